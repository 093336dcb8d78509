"""The compose deployment and the container images say what the registry understands.

No container runs here; these tests keep the files honest: every setting they pass is one
the registry reads, every service is health-checked, the API runs replicated beside one
worker, and the engines are the ones the registry supports.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from registry.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    return {str(k): str(v) for k, v in env.items()}


def test_every_registry_variable_is_a_setting(compose: dict[str, Any]) -> None:
    fields = set(Settings.model_fields)
    for name in ("api", "worker"):
        for variable in _environment(compose["services"][name]):
            if variable.startswith("REGISTRY_"):
                assert variable.removeprefix("REGISTRY_").lower() in fields, variable


def test_api_is_replicated_and_leaves_indexing_and_harvests_to_the_worker(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    api, worker = services["api"], services["worker"]
    assert api["deploy"]["replicas"] >= 2
    assert api["command"][:2] == ["registry", "serve"]
    assert worker["command"] == ["registry", "worker"]
    api_env, worker_env = _environment(api), _environment(worker)
    assert api_env["REGISTRY_FOLLOW_CHANGES"] == "false"
    assert api_env["REGISTRY_HARVEST_SCHEDULER"] == "false"
    assert "REGISTRY_FOLLOW_CHANGES" not in worker_env  # the default: it follows
    # Both use the same engines.
    shared = ("DATABASE_URL", "SEARCH_URL", "SEARCH_ENGINE", "SPARQL_URL", "SPARQL_UPDATE_URL")
    for key in shared:
        assert api_env[f"REGISTRY_{key}"] == worker_env[f"REGISTRY_{key}"]
    assert api_env["REGISTRY_DATABASE_URL"].startswith("postgresql://")
    assert api_env["REGISTRY_SEARCH_ENGINE"] == "elasticsearch"
    assert "@elasticsearch:9200" in api_env["REGISTRY_SEARCH_URL"]


def test_every_service_is_health_checked_and_waited_for(compose: dict[str, Any]) -> None:
    services = compose["services"]
    dockerfiles = {
        "api": ROOT / "Dockerfile",
        "fuseki": ROOT / "deploy" / "fuseki" / "Dockerfile",
    }
    for name, service in services.items():
        dockerfile = dockerfiles.get(name)
        has_check = "healthcheck" in service or (
            dockerfile is not None and "HEALTHCHECK" in dockerfile.read_text()
        )
        assert has_check, f"{name} has no health check"
    for name in ("api", "worker"):
        waits_for = services[name]["depends_on"]
        assert set(waits_for) == {"postgres", "elasticsearch", "fuseki"}
        assert all(w["condition"] == "service_healthy" for w in waits_for.values())


def test_engines_are_the_supported_versions_with_security_on(compose: dict[str, Any]) -> None:
    services = compose["services"]
    image = services["elasticsearch"]["image"]
    assert re.search(r":8\.\d+\.\d+$", image), image  # the 8.x client talks to 8.x servers
    es_env = _environment(services["elasticsearch"])
    assert es_env["xpack.security.enabled"] == "true"
    assert "ports" not in services["elasticsearch"]  # reached on the compose network only
    assert services["postgres"]["image"].startswith("postgres:")
    fuseki = (ROOT / "deploy" / "fuseki" / "Dockerfile").read_text()
    assert "COPY .ci/fuseki/pom.xml" in fuseki  # the Fuseki CI tests
    assert "--tdb2" in fuseki  # persistent, unlike CI's in-memory one
    for volume in ("postgres-data", "elasticsearch-data", "fuseki-data", "registry-data"):
        assert volume in compose["volumes"]


def test_the_image_installs_the_clients_of_every_engine() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "'.[distributed]'" in dockerfile
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    distributed = extras["distributed"][0]
    for extra in ("postgres", "opensearch", "elasticsearch"):
        assert extra in distributed
    # The 9.x client refuses Elasticsearch 8 servers.
    assert any(re.search(r"elasticsearch>=8[^,]*,<9", d) for d in extras["elasticsearch"])


def test_ci_starts_every_engine_and_requires_them() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    assert "REGISTRY_TEST_REQUIRE_ENGINES=1" in script
    for variable in (
        "REGISTRY_TEST_DATABASE_URL",
        "REGISTRY_TEST_SEARCH_URL",
        "REGISTRY_TEST_SPARQL_URL",
    ):
        assert f"export {variable}=" in script
    assert "org.codelibs.opensearch.runner.OpenSearchRunner" in script
    assert "trap cleanup EXIT" in script


def test_api_replicas_leave_following_and_harvests_to_the_worker(tmp_path: Path) -> None:
    """REGISTRY_FOLLOW_CHANGES=false (the replicas in the compose file): the app neither
    follows the change feed nor schedules harvests; by default it does both."""
    from fastapi.testclient import TestClient

    from registry.api.app import create_app

    replica = Settings(data_dir=tmp_path / "replica", follow_changes=False)
    with TestClient(create_app(replica)) as client:
        assert client.app.state.follower is None  # type: ignore[attr-defined]
        assert client.app.state.scheduler is None  # type: ignore[attr-defined]
        assert client.get("/health").json()["status"] == "ok"
    alone = Settings(data_dir=tmp_path / "alone", harvest_check_seconds=3600)
    with TestClient(create_app(alone)) as client:
        assert client.app.state.follower is not None  # type: ignore[attr-defined]
        assert client.app.state.scheduler is not None  # type: ignore[attr-defined]
