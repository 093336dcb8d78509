"""Capping glibc's malloc arenas in the registry's processes."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from registry.memory import limit_malloc_arenas

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not GLIBC, reason="glibc's allocator only")
def test_the_arenas_are_capped_on_glibc() -> None:
    # in a process of its own: the setting is the allocator's, for the whole process
    code = "from registry.memory import limit_malloc_arenas as cap; print(cap(2))"
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "True", out.stderr


def test_an_arena_limit_set_by_the_operator_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    assert limit_malloc_arenas() is False


def test_the_command_line_caps_the_arenas_before_a_command_runs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from registry import cli

    calls: list[int] = []
    monkeypatch.setattr(cli, "limit_malloc_arenas", lambda: calls.append(1) or True)
    result = CliRunner().invoke(cli.main, ["--data-dir", str(tmp_path), "sources", "list"])
    assert result.exit_code == 0, result.output
    assert calls == [1]
