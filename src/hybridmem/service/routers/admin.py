"""Operator endpoints (admins only): the dead letter queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from hybridmem.domain.errors import NotFound
from hybridmem.service.deps import AppServices, CurrentUser
from hybridmem.service.errors import declared
from hybridmem.service.schemas.operations import JobOut

router = APIRouter(prefix="/api/admin", tags=["admin"])


@router.get("/jobs/dead", response_model=list[JobOut], responses=declared(401, 403, 422, 503))
async def dead_jobs(
    services: AppServices,
    principal: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[JobOut]:
    """Jobs that kept failing, newest first."""
    principal.require_admin()
    return [JobOut.of(job) for job in await services.outbox.dead(limit=limit)]


@router.post("/jobs/{job_id}/revive", status_code=202, responses=declared(401, 403, 404, 422, 503))
async def revive_job(
    services: AppServices,
    principal: CurrentUser,
    job_id: Annotated[int, Path(ge=1, le=2**62)],
) -> dict[str, int]:
    """Queue a dead job again."""
    principal.require_admin()
    if not await services.outbox.revive(job_id):
        raise NotFound("no dead job with that id")
    return {"job_id": job_id}
