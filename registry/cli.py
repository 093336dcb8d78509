"""The command line: ``registry`` (also ``python -m registry``). A thin layer over
:class:`~registry.core.Registry`; see INTERFACES in the README for the contract."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

from registry.errors import Conflict, RegistryError
from registry.memory import limit_malloc_arenas
from registry.models import HarvestRun
from registry.settings import Settings
from registry.store import WriteCounts

_DEFAULT_HOST = "127.0.0.1"
_DEFAULT_PORT = 8000


def _fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


class _Group(click.Group):
    """Turns the registry's own errors into one clear line on stderr and a non-zero exit."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RegistryError as exc:
            _fail(exc.message)
        except OSError as exc:
            _fail(f"{exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}")


def _settings(ctx: click.Context) -> Settings:
    settings: Settings = ctx.obj["settings"]
    return settings


@contextmanager
def _registry(ctx: click.Context) -> Iterator[Any]:
    from registry.core import Registry

    registry = Registry(_settings(ctx))
    try:
        yield registry
    finally:
        registry.close()


def _emit(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="REGISTRY_DATA_DIR",
    default=None,
    help="Where the embedded store, search index and triple store live (default ./data).",
)
@click.version_option(package_name="open-registry", prog_name="registry")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None) -> None:
    """The open knowledge and IP registry."""
    limit_malloc_arenas()  # before any thread starts: see registry.memory
    overrides: dict[str, Any] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    ctx.obj = {"settings": Settings(**overrides)}


# serving -------------------------------------------------------------------------------


def _serve(app: Any, host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=True)


def _base_uri_for(settings: Settings, host: str, port: int) -> Settings:
    """Serving on a non-default address makes record URIs point there, unless
    REGISTRY_BASE_URI says otherwise."""
    if "base_uri" in settings.model_fields_set:
        return settings
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - only compared
    return settings.model_copy(update={"base_uri": f"http://{shown}:{port}"})


@main.command()
@click.option("--host", default=_DEFAULT_HOST, show_default=True)
@click.option("--port", default=_DEFAULT_PORT, show_default=True, type=int)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the API, the web page and the registry's feeds."""
    from registry.api.app import create_app

    settings = _base_uri_for(_settings(ctx), host, port)
    _serve(create_app(settings), host, port)


@main.command()
@click.option("--once", is_flag=True, help="Harvest what is due now, then exit.")
@click.pass_context
def worker(ctx: click.Context, once: bool) -> None:
    """Run scheduled harvests without serving (a separate harvest process).

    Harvests write the store. The worker also keeps the search index and the triple
    store up to date with every change (unless REGISTRY_FOLLOW_CHANGES=false), so API
    replicas can leave that to it; with the embedded engines, a running `serve` holds the
    index and does it instead.
    """
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    from registry.api.app import IndexFollower

    with _registry(ctx) as registry:
        follower = None
        if registry.settings.follow_changes and not once:
            # Keep the projections up to date with every change (the API's writes too),
            # not only after this worker's harvests.
            follower = IndexFollower(registry, registry.settings.index_poll_seconds)
            follower.start()
        poke = follower.poke if follower is not None else None
        scheduler = registry.scheduler(
            on_harvest=(lambda run: poke()) if poke else (lambda run: registry.refresh_index())
        )
        try:
            if once:
                started = scheduler.run_once(wait=True)
                click.echo(f"harvested {len(started)} due source(s)", err=True)
                return
            click.echo(
                f"checking for due harvests every {scheduler.interval:g} s; Ctrl-C stops",
                err=True,
            )
            scheduler.run_forever()
        except KeyboardInterrupt:
            click.echo("stopping; interrupted harvests resume next time", err=True)
        finally:
            scheduler.stop()
            if follower is not None:
                follower.stop()


@main.command()
@click.option("--host", default=_DEFAULT_HOST, show_default=True)
@click.option("--port", default=_DEFAULT_PORT, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Load the demo content, then exit.")
@click.option("--json", "as_json", is_flag=True, help="Print the harvest summaries as JSON.")
@click.pass_context
def demo(ctx: click.Context, host: str, port: int, no_serve: bool, as_json: bool) -> None:
    """Load the bundled demo feeds through the normal harvest path, then serve."""
    from registry.core import Registry, demo_sources

    settings = _base_uri_for(_settings(ctx), host, port)
    registry = Registry(settings)
    try:
        summaries = []
        for spec in demo_sources():
            try:
                registry.add_source(**spec, trusted=True)
            except Conflict:
                source = registry.store.get_source(spec["name"])
                if source.url != spec["url"]:
                    registry.store.update_source(source.model_copy(update={"url": spec["url"]}))
            with _progress(f"harvesting {spec['name']}", as_json) as on_page:
                run = registry.harvest(spec["name"], on_page=on_page)
            summaries.append(run.summary())
        if as_json:
            _emit(summaries)
        else:
            for s in summaries:
                click.echo(
                    f"{s['source']}: {s['added']} added, {s['updated']} updated,"
                    f" {s['unchanged']} unchanged, {s['deleted']} deleted, {s['failed']} failed",
                    err=True,
                )
        if no_serve:
            return
        from registry.api.app import create_app

        click.echo(f"serving the demo registry on http://{host}:{port}/", err=True)
        _serve(create_app(registry=registry), host, port)
    finally:
        registry.close()


# sources and harvesting ------------------------------------------------------------------


@main.group()
def sources() -> None:
    """Register and list the feeds the registry harvests."""


def _options(values: tuple[str, ...]) -> dict[str, str]:
    options = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            _fail(f"--option takes KEY=VALUE, not {item!r}", 2)
        options[key.strip()] = value.strip()
    return options


def _schedule(value: str) -> float | None:
    """Hours between harvests: a number of hours, with a unit (30m, 6h, 1d), or 'never'."""
    text = value.strip().lower()
    if text in ("never", "off", "manual"):
        return None
    units = {"m": 1 / 60, "h": 1.0, "d": 24.0, "w": 168.0}
    factor = units.get(text[-1:])
    number = text[:-1] if factor is not None else text
    try:
        hours = float(number) * (factor or 1.0)
    except ValueError:
        _fail(f"--schedule takes hours (24), a duration (30m, 6h, 1d) or 'never', not {value!r}", 2)
    if hours <= 0:
        _fail("--schedule must be more than zero", 2)
    return hours


@sources.command("add")
@click.argument("name")
@click.option("--kind", required=True, help="oai-pmh, dcat, rss, ckan, offers or a plugin's kind.")
@click.option("--url", required=True, help="The feed's URL (file: URLs are allowed here).")
@click.option("--metadata-prefix", default=None, help="OAI-PMH metadata format (default oai_dc).")
@click.option("--set", "set_spec", default=None, help="OAI-PMH set to harvest.")
@click.option(
    "--option",
    "option_values",
    multiple=True,
    metavar="KEY=VALUE",
    help="A harvester setting, e.g. --option fq=organization:tu-delft (CKAN); repeatable.",
)
@click.option("--title", default=None)
@click.option(
    "--schedule",
    "schedule",
    default="24h",
    show_default=True,
    help="How often `serve` and `worker` harvest it: hours, 30m/6h/1d, or 'never'.",
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def sources_add(
    ctx: click.Context,
    name: str,
    kind: str,
    url: str,
    metadata_prefix: str | None,
    set_spec: str | None,
    option_values: tuple[str, ...],
    title: str | None,
    schedule: str,
    as_json: bool,
) -> None:
    """Register a feed."""
    from pydantic import ValidationError

    with _registry(ctx) as registry:
        try:
            source = registry.add_source(
                name,
                kind,
                url,
                metadata_prefix=metadata_prefix,
                set_spec=set_spec,
                options=_options(option_values),
                title=title,
                schedule_hours=_schedule(schedule),
                trusted=True,
            )
        except ValidationError as exc:
            _fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    if as_json:
        _emit(source.model_dump(mode="json", exclude={"http_cache"}))
    else:
        click.echo(f"added source {source.name} ({source.kind}) {source.url}")


@sources.command("inspect")
@click.argument("name")
@click.option("--limit", type=int, default=100, show_default=True, help="Most sets to list.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def sources_inspect(ctx: click.Context, name: str, limit: int, as_json: bool) -> None:
    """Ask a feed about itself (OAI-PMH: Identify, metadata formats, sets)."""
    with _registry(ctx) as registry:
        described = registry.describe_source(name, limit=limit)
    if as_json:
        _emit(described)
        return
    feed = described["feed"]
    if not feed:
        click.echo(f"{name} ({described['source']['kind']}) says nothing about itself")
        return
    identify = feed["identify"]
    click.echo(f"{identify.get('repositoryName')} <{identify.get('baseURL')}>")
    for key in ("protocolVersion", "granularity", "deletedRecord", "earliestDatestamp"):
        click.echo(f"  {key}: {identify.get(key)}")
    click.echo("metadata formats:")
    for entry in feed["metadata_formats"]:
        click.echo(f"  {entry['metadataPrefix']:<16} {entry.get('metadataNamespace') or ''}")
    click.echo(f"sets ({len(feed['sets'])}{'+' if feed['sets_truncated'] else ''}):")
    for entry in feed["sets"]:
        click.echo(f"  {entry['setSpec']:<24} {entry.get('setName') or ''}")


@sources.command("remove")
@click.argument("name")
@click.option("--keep-records", is_flag=True, help="Keep its records (default: tombstone them).")
@click.pass_context
def sources_remove(ctx: click.Context, name: str, keep_records: bool) -> None:
    """Unregister a feed; its records become tombstones unless --keep-records."""
    with _registry(ctx) as registry:
        withdrawn = registry.remove_source(name, keep_records=keep_records)
    click.echo(
        f"removed source {name}" + ("" if keep_records else f"; {withdrawn} records withdrawn")
    )


@sources.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def sources_list(ctx: click.Context, as_json: bool) -> None:
    """The registered feeds with their last harvest."""
    with _registry(ctx) as registry:
        items = []
        for source in registry.store.list_sources():
            runs = registry.store.list_runs(source.name, 1)
            item = source.model_dump(mode="json", exclude={"http_cache"})
            item["last_run"] = runs[0].summary() if runs else None
            items.append(item)
    if as_json:
        _emit(items)
        return
    if not items:
        click.echo("no sources; add one with `registry sources add`", err=True)
    for item in items:
        run = item["last_run"]
        last = (
            f"{run['status']} {item['last_harvest'] or ''} ({run['total']} records)"
            if run
            else "never harvested"
        )
        click.echo(f"{item['name']:<24} {item['kind']:<8} {item['url']}  {last}")


@contextmanager
def _progress(
    label: str, quiet: bool
) -> Iterator[Callable[[HarvestRun, WriteCounts], None] | None]:
    """A progress display on a terminal; nothing when piped or with --json."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed} records"),
        TimeElapsedColumn(),
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=None)

        def on_page(run: HarvestRun, counts: WriteCounts) -> None:
            progress.update(task, completed=run.total)

        yield on_page


@main.command()
@click.argument("name", required=False)
@click.option("--all", "harvest_all", is_flag=True, help="Harvest every registered source.")
@click.option(
    "--full", is_flag=True, help="Harvest everything again; vanished records become tombstones."
)
@click.option("--json", "as_json", is_flag=True, help="Print one summary object per source.")
@click.pass_context
def harvest(
    ctx: click.Context, name: str | None, harvest_all: bool, full: bool, as_json: bool
) -> None:
    """Harvest a source (incrementally, resuming an interrupted run).

    With --all, sources are harvested several at once (REGISTRY_HARVEST_WORKERS), within
    the per-host request rate; one failing source does not stop the others.
    """
    if bool(name) == harvest_all:
        _fail("name one source, or use --all", 2)
    with _registry(ctx) as registry:
        if not harvest_all:
            with _progress(f"harvesting {name}", as_json) as on_page:
                run = registry.harvest(name or "", full=full, on_page=on_page)
            summaries = [run.summary()]
        else:
            summaries = _harvest_all(registry, full=full)
    for summary in summaries:
        if as_json:
            continue
        if summary["status"] == "failed":
            click.echo(f"{summary['source']}: failed: {summary.get('error')}", err=True)
        else:
            click.echo(
                f"{summary['source']}: {summary['status']}: {summary['added']} added,"
                f" {summary['updated']} updated, {summary['unchanged']} unchanged,"
                f" {summary['deleted']} deleted, {summary['failed']} failed"
                f" ({summary['total']} in all)",
                err=True,
            )
    if as_json:
        _emit(summaries if harvest_all else summaries[0])
    if any(s["status"] == "failed" for s in summaries):
        sys.exit(1)


def _harvest_all(registry: Any, *, full: bool) -> list[dict[str, Any]]:
    from concurrent.futures import ThreadPoolExecutor

    # (offers published through the API have a source too, with nothing to harvest)
    names = [s.name for s in registry.store.list_sources() if s.kind != "api"]

    def one(source_name: str) -> dict[str, Any]:
        try:
            summary: dict[str, Any] = registry.harvest(
                source_name, full=full, index=False
            ).summary()
        except RegistryError as exc:
            run = registry.store.list_runs(source_name, 1)
            summary = run[0].summary() if run and run[0].status == "failed" else {}
            summary.update(source=source_name, status="failed", error=exc.message)
        return summary

    with ThreadPoolExecutor(max_workers=registry.settings.harvest_workers) as pool:
        summaries = list(pool.map(one, names))
    registry.refresh_index()
    return summaries


# search and records -----------------------------------------------------------------------


@main.command()
@click.argument("query", required=False, default="")
@click.option(
    "--open/--not-open", "open_", default=None, help="Only open (or only not open) licences."
)
@click.option("--licence", multiple=True, help="Licence URI or name; repeatable.")
@click.option("--kind", type=click.Choice(["work", "ip-offer"]), default=None)
@click.option("--source", multiple=True)
@click.option("--language", multiple=True)
@click.option("--challenge", multiple=True)
@click.option("--reuse", type=click.Choice(["open", "restricted", "permission"]), multiple=True)
@click.option("--commercial/--no-commercial", default=None, help="Commercial use allowed (or not).")
@click.option("--derivatives/--no-derivatives", default=None, help="Adaptations allowed (or not).")
@click.option("--family", multiple=True, help="Licence family, e.g. 'CC BY-SA'; repeatable.")
@click.option("--page-size", type=int, default=None)
@click.option("--cursor", default=None)
@click.option("--json", "as_json", is_flag=True, help="Print the same JSON as GET /api/search.")
@click.pass_context
def search(
    ctx: click.Context,
    query: str,
    open_: bool | None,
    licence: tuple[str, ...],
    kind: str | None,
    source: tuple[str, ...],
    language: tuple[str, ...],
    challenge: tuple[str, ...],
    reuse: tuple[str, ...],
    commercial: bool | None,
    derivatives: bool | None,
    family: tuple[str, ...],
    page_size: int | None,
    cursor: str | None,
    as_json: bool,
) -> None:
    """Search works and IP offers."""
    with _registry(ctx) as registry:
        registry.refresh_index()
        built = registry.build_query(
            q=query,
            open=open_,
            licence=licence,
            kind=kind,
            source=source,
            language=language,
            challenge=challenge,
            reuse=reuse,
            commercial=commercial,
            derivatives=derivatives,
            family=family,
            page_size=page_size,
            cursor=cursor,
        )
        result = registry.search_json(built)
    if as_json:
        _emit(result)
        return
    click.echo(f"{result['total']} results", err=True)
    for item in result["results"]:
        licence_label = item["licence"]["label"] or "no licence"
        click.echo(f"{item['id']}  {item['title']}  [{licence_label}]")
    if result["next_cursor"]:
        click.echo(f"next page: --cursor {result['next_cursor']}", err=True)


@main.group()
def records() -> None:
    """Read single records."""


@records.command("get")
@click.argument("record_id")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "ttl", "jsonld", "nt", "rdfxml"]),
    default="json",
    show_default=True,
    help="JSON, or RDF as Turtle, JSON-LD, N-Triples or RDF/XML.",
)
@click.pass_context
def records_get(ctx: click.Context, record_id: str, fmt: str) -> None:
    """Print one record."""
    with _registry(ctx) as registry:
        if fmt == "json":
            _emit(registry.record_json(registry.live_record(record_id)))
        else:
            click.echo(registry.record_rdf(record_id, fmt).decode("utf-8").rstrip("\n"))


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["ttl", "nt", "jsonld", "rdfxml"]),
    default="nt",
    show_default=True,
    help="Turtle, N-Triples, JSON-LD or RDF/XML.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (replaced only when the dump is complete); default: stdout.",
)
@click.pass_context
def export(ctx: click.Context, fmt: str, out: Path | None) -> None:
    """Dump every live record as RDF, streaming (constant memory, whatever the size)."""
    from registry.catalog import export as export_records

    with _registry(ctx) as registry:
        if out is None:
            stream = click.get_binary_stream("stdout")
            written = export_records(registry.store, registry.settings, stream, fmt)
            stream.flush()
        else:
            partial = out.with_name(out.name + ".partial")
            try:
                with partial.open("wb") as handle:
                    written = export_records(registry.store, registry.settings, handle, fmt)
                partial.replace(out)
            finally:
                partial.unlink(missing_ok=True)
    click.echo(f"exported {written} triples", err=True)


@main.command()
@click.option(
    "--target", type=click.Choice(["search", "rdf", "all"]), default="all", show_default=True
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def reindex(ctx: click.Context, target: str, as_json: bool) -> None:
    """Rebuild the projections (search index, triple store) from the store."""
    from registry.errors import IndexBusy

    done: dict[str, int] = {}
    with _registry(ctx) as registry:
        if target in ("search", "all"):
            registry.search_backend.acquire_writer()
            done["search"] = registry.indexer.rebuild()
        if target in ("rdf", "all"):
            try:
                done["rdf"] = registry.rdf_indexer.rebuild()
            except IndexBusy as exc:
                _fail(f"{exc.message}; stop it, or rebuild from that process")
    if as_json:
        _emit({"target": target, "indexed": done.get("search", 0), **done})
    else:
        for name, count in done.items():
            where = "the search index" if name == "search" else "the triple store"
            click.echo(f"reindexed {count} changes into {where}")


@main.command()
@click.option(
    "--to",
    "target",
    required=True,
    metavar="URL",
    help="The PostgreSQL database to copy into: postgresql://user:password@host:5432/name.",
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def migrate(ctx: click.Context, target: str, as_json: bool) -> None:
    """Copy the embedded registry into PostgreSQL: sources and their harvest state, every
    record and tombstone with its place in the change feed, harvest runs, API keys, the
    audit log, reviews and notices. The target must be empty; the copy is one transaction.

    Then point the registry at it (REGISTRY_DATABASE_URL) and, when the search engine
    changes too (REGISTRY_SEARCH_URL), run `registry reindex`.
    """
    from registry.store.migrate import copy_store

    settings = _settings(ctx)
    if not target.startswith(("postgres://", "postgresql://")):
        _fail("--to takes a PostgreSQL URL (postgresql://user:password@host:5432/name)")
    if not settings.store_path.exists():
        _fail(f"there is no embedded registry to copy in {settings.data_dir}")

    def progress(table: str, rows: int) -> None:
        if not as_json:
            click.echo(f"  {table}: {rows}", err=True)

    counts = copy_store(settings.store_path, target, progress=progress)
    if as_json:
        _emit({"target": _redact(target), "copied": counts})
        return
    total = counts.get("records", 0)
    click.echo(f"copied {total} records into {_redact(target)}")
    click.echo(
        "next: set REGISTRY_DATABASE_URL to it (and run `registry reindex` if the search engine"
        " changes too)",
        err=True,
    )


def _redact(url: str) -> str:
    """A database URL without its password, for messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


# licences ---------------------------------------------------------------------------------


# offers -------------------------------------------------------------------------------------


@main.group("offers")
def offers_group() -> None:
    """IP offers: review dates."""


@offers_group.command("due")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def offers_due(ctx: click.Context, as_json: bool) -> None:
    """List the offers past their review date and notify their publishers (once each;
    `serve` and `worker` do this every hour)."""
    with _registry(ctx) as registry:
        due = registry.check_review_due()
        records = [registry.get_record(i).record for i in due]
    rows = [
        {"id": r.id, "title": r.title, "review_due": str(getattr(r, "review_due", ""))}
        for r in records
        if r is not None
    ]
    if as_json:
        _emit(rows)
        return
    for row in rows:
        click.echo(f"{row['id']}  due {row['review_due']}  {row['title']}")
    click.echo(f"{len(rows)} offer(s) past their review date", err=True)


# API keys -----------------------------------------------------------------------------------


@main.group("keys")
def keys_group() -> None:
    """Publishers' API keys: create (shown once), list, revoke."""


@keys_group.command("create")
@click.argument("publisher")
@click.option("--label", default=None, help="A note on what the key is for.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def keys_create(ctx: click.Context, publisher: str, label: str | None, as_json: bool) -> None:
    """Create an API key for PUBLISHER. The key is printed once and stored only hashed."""
    from registry.keys import create_key

    with _registry(ctx) as registry:
        issued = create_key(registry.store, publisher, label=label)
    if as_json:
        _emit({"key": issued.secret, **issued.key.model_dump(mode="json")})
        return
    click.echo(issued.secret)
    click.echo(
        f"key {issued.key.prefix} for publisher {publisher!r}: keep it now, it is not shown again",
        err=True,
    )


@keys_group.command("list")
@click.option("--publisher", default=None)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def keys_list(ctx: click.Context, publisher: str | None, as_json: bool) -> None:
    """The keys (their prefixes, never the secrets)."""
    with _registry(ctx) as registry:
        keys = registry.store.list_keys(publisher)
    if as_json:
        _emit([k.model_dump(mode="json") for k in keys])
        return
    for key in keys:
        state = f"revoked {key.revoked:%Y-%m-%d}" if key.revoked else "active"
        used = f"last used {key.last_used:%Y-%m-%d %H:%M}" if key.last_used else "never used"
        click.echo(f"{key.prefix}  {key.publisher}  {state}  {used}  {key.label or ''}".rstrip())


@keys_group.command("revoke")
@click.argument("prefix")
@click.pass_context
def keys_revoke(ctx: click.Context, prefix: str) -> None:
    """Revoke the key with PREFIX (from `keys list`); it stops working at once."""
    with _registry(ctx) as registry:
        if not registry.store.revoke_key(prefix.removeprefix("reg_")[:8]):
            _fail(f"no active key {prefix!r}")
    click.echo(f"revoked {prefix}")


@main.group("licence")
def licence_group() -> None:
    """Normalise licence statements, write attributions, compare licences."""


def _normalised(text: str) -> dict[str, Any]:
    from registry.licences import normalise

    ref = normalise(text)
    return {
        "input": text,
        "uri": ref.uri,
        "label": ref.label,
        "family": ref.family,
        "version": ref.version,
        "spdx": ref.spdx,
        "jurisdiction": ref.jurisdiction,
        "open": ref.open,
        "reuse_class": ref.reuse_class,
        "confidence": ref.confidence,
    }


@licence_group.command("normalise")
@click.argument("texts", nargs=-1, metavar="[TEXT ...]")
def licence_normalise(texts: tuple[str, ...]) -> None:
    """Resolve licence statements (arguments, or one per line on stdin) to licences.

    Prints one JSON object per statement, in order (JSON Lines): input, uri, label, family,
    version, spdx, open, confidence; uri is null when the statement names no licence.
    """
    if texts:
        lines: list[str] = list(texts)
    else:
        stdin = click.get_text_stream("stdin")
        if stdin.isatty():
            _fail("give licence statements as arguments, or one per line on stdin", 2)
        lines = stdin.read().splitlines()
    for text in lines:
        click.echo(json.dumps(_normalised(text), ensure_ascii=False))


@licence_group.command("attribution")
@click.argument("record_id")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "html", "rdf"]),
    default="text",
    show_default=True,
    help="Plain text, HTML, or RDF (Turtle).",
)
@click.pass_context
def licence_attribution(ctx: click.Context, record_id: str, fmt: str) -> None:
    """The attribution a stored record's licence asks for."""
    from registry.licences import attribution, attribution_graph

    with _registry(ctx) as registry:
        record = registry.live_record(record_id)
        base = registry.settings.base
        if fmt == "rdf":
            graph = attribution_graph(
                record, base_uri=base, record_uri=registry.record_uri(record.id)
            )
            click.echo(graph.serialize(format="turtle").rstrip("\n"))
            return
        credit = record.attribution or attribution(record, base_uri=base)
    click.echo(credit.html if fmt == "html" else credit.text)


@licence_group.command("compatible")
@click.argument("licences", nargs=-1, metavar="LICENCE LICENCE ...")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
def licence_compatible(licences: tuple[str, ...], as_json: bool) -> None:
    """Whether works under these licences may be combined, and under which licences the
    result may be shared, with the reason."""
    from registry.licences import compatible, licence_by_uri

    if len(licences) < 2:
        _fail("give at least two licences to compare", 2)
    answer = compatible(list(licences))
    if as_json:
        _emit(answer.as_dict())
        return
    verdict = {True: "yes", False: "no", None: "unknown"}[answer.combinable]
    click.echo(f"combinable: {verdict}")
    for ref in answer.licences:
        resolved = f"{ref.label} <{ref.uri}>" if ref.uri else "no licence identified"
        click.echo(f"  {ref.raw}: {resolved}")
    if answer.result_licences:
        click.echo("may be shared under (most permissive first):")
        for uri in answer.result_licences:
            found = licence_by_uri(uri)
            click.echo(f"  {found.label if found else uri} <{uri}>")
    click.echo(f"reason: {answer.reason}")
