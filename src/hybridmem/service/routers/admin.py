"""Operator endpoints (admins only): the dead letter queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from hybridmem.domain.errors import NotFound
from hybridmem.service.container import resolve
from hybridmem.service.deps import CurrentUser, container_of
from hybridmem.service.errors import declared
from hybridmem.service.schemas import JobOut

router = APIRouter(prefix="/api/admin", tags=["admin"])


@router.get("/jobs/dead", response_model=list[JobOut], responses=declared(401, 403, 422, 503))
async def dead_jobs(
    request: Request,
    principal: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[JobOut]:
    """Jobs that kept failing, newest first."""
    principal.require_admin()
    outbox = await resolve(container_of(request).outbox())
    return [JobOut.of(job) for job in await outbox.dead(limit=limit)]


@router.post("/jobs/{job_id}/revive", status_code=202, responses=declared(401, 403, 404, 422, 503))
async def revive_job(
    request: Request,
    principal: CurrentUser,
    job_id: Annotated[int, Path(ge=1, le=2**62)],
) -> dict[str, int]:
    """Queue a dead job again."""
    principal.require_admin()
    outbox = await resolve(container_of(request).outbox())
    if not await outbox.revive(job_id):
        raise NotFound("no dead job with that id")
    return {"job_id": job_id}
