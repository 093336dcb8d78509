"""Keeping a long-running process's memory close to what it uses.

glibc's allocator gives each thread that allocates its own arena (up to eight per core),
and memory freed in one arena is not reused by threads of the others nor given back soon.
A process that harvests in one thread while another indexes and a third fetches ahead
thus holds, at its peak, the high-water marks of every arena added up: tens of megabytes
more than it ever uses at once. :func:`limit_malloc_arenas` caps the number of arenas, as
``MALLOC_ARENA_MAX`` would, for the threads started after it; the command line calls it
before any command starts one (it matters for those that run long: ``serve``, ``worker``,
``harvest``, ``reindex``). Elsewhere (musl, macOS) it does nothing.
"""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["MALLOC_ARENAS", "limit_malloc_arenas"]

#: Arenas allowed: two let a second thread allocate without waiting on the first.
MALLOC_ARENAS = 2
#: glibc's ``mallopt`` parameter for the most arenas (``malloc.h``).
_M_ARENA_MAX = -8


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas at ``arenas`` unless ``MALLOC_ARENA_MAX`` is set (which
    wins); returns whether the allocator took the setting."""
    if os.environ.get("MALLOC_ARENA_MAX") or not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter runs on
    except (OSError, AttributeError):  # a C library without mallopt
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_ARENA_MAX, arenas))
