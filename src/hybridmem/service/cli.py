"""The ``hybridmem`` command: serve, migrate, purge and operator tasks.

The console script (``hybridmem_bench.console``) adds the ``bench`` group; this module
knows nothing of the benchmark harness."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from hybridmem.service.cli_support import (
    CONFIGURATION_ERROR,
    check_database_or_exit,
    with_database,
    with_services,
)
from hybridmem.service.cli_support import settings_or_exit as _settings
from hybridmem.service.roles import llm_extraction_enabled
from hybridmem.service.services import Services

if TYPE_CHECKING:
    from hybridmem.domain.errors import HybridMemError

T = TypeVar("T")

app = typer.Typer(
    name="hybridmem",
    help="Long-term memory for chatbots: the service and its operator commands.",
    no_args_is_help=True,
    add_completion=False,
    # plain click help: typer's rich panels print "<bool>" beside every flag, --help too
    rich_markup_mode=None,
)
admin_app = typer.Typer(
    help="Grant or withdraw the admin role.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(admin_app, name="admin")
jobs_app = typer.Typer(
    help="Inspect and revive background jobs.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(jobs_app, name="jobs")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000)")] = None,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development)")] = False,
    workers: Annotated[
        int | None, typer.Option(min=1, help="API processes (default HYBRIDMEM_WORKERS or 1)")
    ] = None,
) -> None:
    """Run the HTTP API (with the background jobs)."""
    import uvicorn

    settings = _settings(host=host, port=port, workers=workers)
    # Checked here, before uvicorn: a failing app startup there is a page of traceback.
    check_database_or_exit(settings.database_url, settings)
    database = "DATABASE_URL" if settings.database_url else f"embedded in {settings.data_dir}"
    base = f"http://{settings.host}:{settings.port}"
    typer.echo(
        f"hybridmem ({settings.env}) on {base}: memory dashboard at {base}/, "
        f"API docs at {base}/docs, database: {database}",
        err=True,
    )
    uvicorn.run(
        "hybridmem.service.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        reload=reload,
        workers=None if reload else settings.workers,
        log_config=None,
        access_log=False,
        # X-Forwarded-For is believed only from the proxies named in
        # HYBRIDMEM_FORWARDED_ALLOW_IPS; by default the client is the socket peer (login
        # limits count per client address, so a spoofable one would void them).
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips or None,
    )


@app.command()
def mcp() -> None:
    """Serve the memory tools over MCP on stdin/stdout, as the owner of the API key in
    HYBRIDMEM_API_KEY (on the configured database, embedded by default)."""
    from hybridmem.service.mcp.stdio import API_KEY_ENV, serve_stdio, startup_failure
    from hybridmem.service.observability import configure_logging

    settings = _settings()
    api_key = os.environ.get(API_KEY_ENV, "").strip()
    if not api_key:
        typer.echo(
            f"{API_KEY_ENV} is not set: create an API key (dashboard, or POST /api/keys) "
            "and pass it in the environment",
            err=True,
        )
        raise typer.Exit(CONFIGURATION_ERROR)
    check_database_or_exit(settings.database_url, settings)
    # stdout is the MCP wire: logs go to stderr (configure_logging's stream)
    configure_logging(settings.log_level, json_lines=settings.log_json)
    try:
        asyncio.run(serve_stdio(settings, api_key))
    except KeyboardInterrupt:
        pass
    except BaseException as exc:
        failure = startup_failure(exc)
        if failure is None:
            raise
        typer.echo(f"hybridmem mcp: {failure}", err=True)
        raise typer.Exit(CONFIGURATION_ERROR) from None


@app.command()
def worker() -> None:
    """Run only the background job worker (scale out with more processes)."""
    from hybridmem.service.observability import configure_logging

    settings = _settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)

    async def work(services: Services) -> None:
        typer.echo("hybridmem worker running; Ctrl-C to stop", err=True)
        await services.worker.run_forever()

    try:
        # the worker runs every job: embedding, and model extraction when it is on
        asyncio.run(
            with_services(
                settings, work, with_model=llm_extraction_enabled(settings), with_embedder=True
            )
        )
    except KeyboardInterrupt:
        typer.echo("worker stopped", err=True)


@jobs_app.command("dead")
def jobs_dead(limit: Annotated[int, typer.Option(min=1, max=1000)] = 50) -> None:
    """List jobs in the dead letter state (JSON lines)."""

    async def work(services: Services) -> list[dict[str, Any]]:
        return [
            {
                "job_id": job.job_id,
                "kind": job.kind,
                "user_id": job.user_id,
                "attempts": job.attempts,
                "last_error": job.last_error,
                "created_at": job.created_at.isoformat(),
            }
            for job in await services.outbox.dead(limit=limit)
        ]

    for row in asyncio.run(with_services(_settings(), work)):
        typer.echo(json.dumps(row))


@jobs_app.command("revive")
def jobs_revive(job_id: int) -> None:
    """Put a dead job back in the queue."""

    async def work(services: Services) -> bool:
        return await services.outbox.revive(job_id)

    if not asyncio.run(with_services(_settings(), work)):
        typer.echo(f"no dead job {job_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"job {job_id} queued again")


@app.command()
def migrate() -> None:
    """Apply pending database migrations and exit."""
    from hybridmem.adapters.postgres.migrations import apply_migrations

    settings = _settings(migrate_on_start=False)

    applied = asyncio.run(with_database(settings, apply_migrations))
    typer.echo(f"applied {len(applied)} migration(s): {applied}" if applied else "up to date")


@app.command()
def purge() -> None:
    """Purge soft-deleted sessions past retention, expired revocations and stale counters."""
    from hybridmem.service.housekeeping import purge_once

    async def work(services: Services) -> dict[str, int]:
        report = await purge_once(services.accounts, services.sessions, services.rate_limiter)
        return {"sessions": report.sessions, "expired_credentials": report.expired_credentials}

    typer.echo(json.dumps(asyncio.run(with_services(_settings(), work))))


def _set_admin(user_id: str, is_admin: bool) -> None:
    async def work(services: Services) -> str:
        user = await services.accounts.set_admin(user_id, is_admin)
        return f"{user.user_id}: admin={user.is_admin}"

    from hybridmem.domain.errors import NotFound

    try:
        typer.echo(asyncio.run(with_services(_settings(), work)))
    except NotFound as exc:
        typer.echo(f"no user with id {user_id!r}", err=True)
        raise typer.Exit(1) from exc


@admin_app.command("grant")
def admin_grant(user_id: str) -> None:
    """Make a user an admin."""
    _set_admin(user_id, True)


@admin_app.command("revoke")
def admin_revoke(user_id: str) -> None:
    """Withdraw a user's admin role."""
    _set_admin(user_id, False)


async def _user_of(services: Services, email: str) -> str:
    from hybridmem.domain.errors import NotFound

    credentials = await services.users.find_credentials(email=email, user_id=None)
    if credentials is None:
        raise NotFound(f"no account with the email {email!r}")
    return credentials.user_id


def _fail(exc: HybridMemError) -> typer.Exit:
    """One line on stderr: the stable error code, the message and the details."""
    details = f" {json.dumps(exc.details, ensure_ascii=False)}" if exc.details else ""
    typer.echo(f"{exc.code}: {exc.message}{details}", err=True)
    return typer.Exit(1)


@app.command("export")
def export_memory(
    email: Annotated[str, typer.Option(help="The account's email")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout)")
    ] = None,
) -> None:
    """Write one user's memory as an export document (docs/export-format.md)."""
    from hybridmem.domain.errors import HybridMemError

    async def work(services: Services) -> None:
        chunks = await services.portability.export(await _user_of(services, email))
        if output is None:
            async for chunk in chunks:
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            return
        # written beside the target and renamed: a failed export leaves no partial file
        partial = output.with_name(output.name + ".partial")
        try:
            with partial.open("wb") as file:
                async for chunk in chunks:
                    file.write(chunk)
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)

    try:
        asyncio.run(with_services(_settings(), work))
    except HybridMemError as exc:
        raise _fail(exc) from exc
    if output is not None:
        typer.echo(f"exported to {output}", err=True)


@app.command("import")
def import_memory(
    file: Annotated[Path, typer.Argument(help="An export document", exists=True, dir_okay=False)],
    email: Annotated[str, typer.Option(help="The account to import into")],
) -> None:
    """Apply an export document to an account (idempotent, in one transaction); prints
    what was added and what the account had already, as JSON."""
    from hybridmem.domain.errors import HybridMemError

    settings = _settings()
    size = file.stat().st_size
    if size > settings.max_import_bytes:
        typer.echo(
            f"payload_too_large: {file} has {size} bytes; HYBRIDMEM_MAX_IMPORT_BYTES is "
            f"{settings.max_import_bytes}",
            err=True,
        )
        raise typer.Exit(1)

    async def work(services: Services) -> dict[str, Any]:
        report = await services.portability.import_document(
            await _user_of(services, email), file.read_bytes()
        )
        return report.to_json()

    try:
        # imported facts get their vectors as written ones do, when embeddings are on
        report = asyncio.run(
            with_services(settings, work, with_embedder=settings.embeddings != "off")
        )
    except HybridMemError as exc:
        raise _fail(exc) from exc
    typer.echo(json.dumps(report))


def main() -> None:
    """Entry point of the console script."""
    app()
