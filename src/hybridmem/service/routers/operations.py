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
    """The database answers (503 otherwise). Each backend is reported with its health; a
    missing language model makes the service "degraded" (memory still works), not unready."""
    container = container_of(request)
    database = await resolve(container.database())
    model = await resolve(container.language_model())
    model_check: dict[str, Any] = {
        "backend": model.info.name,
        "ok": model.info.name != "unavailable",
    }
    if not model_check["ok"]:
        model_check["reason"] = getattr(model, "reason", "unavailable")
    checks: dict[str, dict[str, Any]] = {
        "database": {
            "backend": container.postgres_server().__class__.__name__,
            "ok": await database.ping(),
        },
        "language_model": model_check,
    }
    ready = bool(checks["database"]["ok"])
    status = "ready" if all(check["ok"] for check in checks.values()) else "degraded"
    body = ReadinessOut(status=status if ready else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get("/metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """Prometheus text exposition."""
    registry = container_of(request).metrics().registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
