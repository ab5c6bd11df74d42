"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hybridmem.service.container import resolve
from hybridmem.service.deps import container_of
from hybridmem.service.schemas import HealthOut, ReadinessOut

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=HealthOut)
async def healthz() -> HealthOut:
    """The process is up."""
    return HealthOut(status="ok")


@router.get(
    "/readyz",
    response_model=ReadinessOut,
    responses={503: {"model": ReadinessOut, "description": "A dependency is not ready"}},
)
async def readyz(request: Request) -> JSONResponse:
    """The database answers (503 otherwise). Each memory role is reported with its
    backend and health, with the delivery backlog of the outbox; a missing language model
    or an unreachable provider makes the service "degraded" (memory is delayed, not lost),
    not unready."""
    container = container_of(request)
    settings = container.settings()
    database = await resolve(container.database())
    model = await resolve(container.language_model())
    outbox = await resolve(container.outbox())
    database_ok = await database.ping()
    pings: dict[str, bool] = {}
    zep_http = await resolve(container.zep_http())
    mem0_http = await resolve(container.mem0_http())
    if zep_http is not None:
        pings["zep"] = await (await resolve(container.zep_client())).ping()
    if mem0_http is not None:
        pings["mem0"] = await (await resolve(container.mem0_client())).ping()

    def role(backend: str) -> dict[str, Any]:
        return {"backend": backend, "ok": pings.get(backend, database_ok)}

    model_check: dict[str, Any] = {
        "backend": model.info.name,
        "ok": model.info.name != "unavailable",
    }
    if not model_check["ok"]:
        model_check["reason"] = getattr(model, "reason", "unavailable")
    checks: dict[str, dict[str, Any]] = {
        "database": {"backend": container.postgres_server().__class__.__name__, "ok": database_ok},
        "history": role(settings.history_backend),
        "graph": role(settings.graph_backend),
        "facts": role(settings.facts_backend),
        "language_model": model_check,
    }
    if database_ok:
        checks["outbox"] = {
            "ok": True,
            "pending_jobs": await outbox.pending_count(),
            "dead_jobs": await outbox.dead_count(),
        }
    status = "ready" if all(check["ok"] for check in checks.values()) else "degraded"
    body = ReadinessOut(status=status if database_ok else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if database_ok else 503)


@router.get("/metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """Prometheus text exposition."""
    registry = container_of(request).metrics().registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
