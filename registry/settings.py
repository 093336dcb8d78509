"""Settings, read from the environment (prefix ``REGISTRY_``) and command-line options."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    data_dir: Path = Field(
        default=Path("data"), description="Where the embedded engines keep their files"
    )
    base_uri: str = Field(
        default="http://127.0.0.1:8000",
        description="The base of record URIs: {base_uri}/records/{id}",
    )
    allow_private_networks: bool = Field(
        default=False, description="Let feed URLs reach loopback, private and link-local addresses"
    )
    allow_file_urls: bool = Field(
        default=False,
        description="Let sources registered over HTTP use file: URLs (the command line always may)",
    )
    search_url: str | None = Field(
        default=None,
        description="Elasticsearch 8 or OpenSearch 2 URL (credentials in it:"
        " https://user:password@host:9200); unset: embedded Tantivy",
    )
    search_engine: Literal["elasticsearch", "opensearch"] | None = Field(
        default=None,
        description="Which engine search_url is (unset: asked of the server when it starts)",
    )
    search_index: str = Field(
        default="registry-records",
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        description="The index alias the registry searches; `reindex` swaps the index behind it",
    )
    search_verify_certs: bool = Field(
        default=True, description="Check the search engine's TLS certificate"
    )
    search_ca_certs: Path | None = Field(
        default=None, description="CA bundle for the search engine's TLS certificate"
    )
    database_url: str | None = Field(
        default=None, description="PostgreSQL URL; unset: embedded SQLite"
    )
    follow_changes: bool = Field(
        default=True,
        description="`serve` keeps the search index and triple store up to date itself (turn"
        " off on API replicas when a `worker` does it)",
    )
    sparql_url: str | None = Field(
        default=None,
        description="SPARQL 1.1 query endpoint of a triple store (e.g. Fuseki's /ds/query);"
        " unset: embedded Oxigraph",
    )
    sparql_update_url: str | None = Field(
        default=None,
        description="SPARQL 1.1 update endpoint of that store (e.g. Fuseki's /ds/update)",
    )
    sparql_graph_store_url: str | None = Field(
        default=None,
        description="Graph Store Protocol endpoint of that store (e.g. Fuseki's /ds/data);"
        " unset: updates go through SPARQL Update only",
    )
    sparql_union_graph: str = Field(
        default="urn:x-arq:UnionGraph",
        description="The IRI by which that server names the union of its named graphs (the"
        " default graph of queries that name none; Jena's by default; empty: the server's own"
        " default graph)",
    )
    sparql_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long one query on /sparql may run"
    )
    sparql_result_limit: int = Field(
        default=10000, ge=1, description="Most rows (or triples) one query on /sparql returns"
    )
    repository_name: str = Field(
        default="Open knowledge and IP registry",
        description="The registry's name in OAI-PMH Identify, the DCAT catalog and VoID",
    )
    admin_email: str = Field(
        default="registry@example.org",
        description="Contact address of the registry's administrator (OAI-PMH adminEmail)",
    )
    index_poll_seconds: float = Field(
        default=1.0, gt=0, description="How often the indexer checks the change feed"
    )
    harvest_scheduler: bool = Field(
        default=True, description="Run due harvests in the background of `serve`"
    )
    harvest_workers: int = Field(
        default=2, ge=1, le=32, description="How many sources are harvested at once"
    )
    harvest_check_seconds: float = Field(
        default=60.0, gt=0, description="How often the scheduler looks for due harvests"
    )
    harvest_rate_per_host: float = Field(
        default=4.0,
        ge=0,
        description="Most requests per second to one host, over all harvests (0: no limit)",
    )
    max_response_mb: int = Field(
        default=1024, ge=1, description="The largest feed document the registry reads, in MB"
    )
    api_writes_per_minute: int = Field(
        default=60, ge=1, description="Most writes one API key may make per minute"
    )
    admin_token: str | None = Field(
        default=None,
        description="Bearer token that may register sources over the API (unset: it cannot)",
    )
    http_timeout: float = Field(
        default=30.0, gt=0, description="Connect and read timeout for feeds, seconds"
    )
    http_retries: int = Field(
        default=3, ge=0, description="Retries of a feed request on connection errors, 429 and 5xx"
    )
    user_agent: str = "open-registry/0.1 (+https://github.com/open-registry)"
    max_page_size: int = Field(default=100, ge=1, le=1000)

    @property
    def store_path(self) -> Path:
        return self.data_dir / "registry.sqlite3"

    @property
    def index_path(self) -> Path:
        return self.data_dir / "search"

    @property
    def triples_path(self) -> Path:
        return self.data_dir / "triples"

    @property
    def base(self) -> str:
        return self.base_uri.rstrip("/")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once from the environment."""
    return Settings()
