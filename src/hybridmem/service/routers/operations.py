"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hybridmem.application.readiness import ReadinessStatus
from hybridmem.service.deps import AppServices
from hybridmem.service.schemas.operations import HealthOut, ReadinessOut

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
async def readyz(services: AppServices) -> JSONResponse:
    """The database answers (503 otherwise). Each memory role is reported with its
    backend and health, with the delivery backlog of the outbox; a missing language model
    or an unreachable provider makes the service "degraded" (memory is delayed, not lost),
    not unready."""
    report = await services.readiness.report()
    body = ReadinessOut(
        status=report.status.value,
        checks={
            name: {"ok": health.ok, "backend": health.backend, **health.details}
            for name, health in report.checks.items()
        },
    )
    ready = report.status is not ReadinessStatus.UNAVAILABLE
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get("/metrics", response_class=Response)
async def metrics(services: AppServices) -> Response:
    """Prometheus text exposition."""
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)
