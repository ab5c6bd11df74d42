"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

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
    """Every dependency answers (database; memory backends as they are configured)."""
    container = container_of(request)
    database = await resolve(container.database())
    checks = {
        "database": {
            "backend": container.postgres_server().__class__.__name__,
            "ok": await database.ping(),
        }
    }
    ready = all(check["ok"] for check in checks.values())
    body = ReadinessOut(status="ready" if ready else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get("/metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """Prometheus text exposition."""
    registry = container_of(request).metrics().registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
