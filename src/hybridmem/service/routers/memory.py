"""Messages, history and memory: view, search, consolidate, facts, graph, business data."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from hybridmem.application.recording import IncomingMessage
from hybridmem.domain.accounts import ID_PATTERN
from hybridmem.service.deps import (
    READS_ONLY,
    Accounts,
    Consolidation,
    CurrentUser,
    Facts,
    Recall,
    Recorder,
    Views,
    acting_for,
)
from hybridmem.service.errors import declared
from hybridmem.service.routers.common import DEFAULT_PAGE_SIZE, Cursor, Limit
from hybridmem.service.schemas.base import Page
from hybridmem.service.schemas.fields import FACT_ID_PATTERN, Moment
from hybridmem.service.schemas.memory import (
    ConsolidateRequest,
    ConsolidationOut,
    DataOut,
    DataRequest,
    FactEventOut,
    FactOut,
    FactPatch,
    GraphOut,
    MemoryOut,
    SearchOut,
    SearchRequest,
)
from hybridmem.service.schemas.messages import AddMessagesRequest, MessageOut

router = APIRouter(prefix="/api", tags=["memory"])

SessionId = Annotated[str, Path(pattern=ID_PATTERN.pattern, max_length=128)]
SessionQuery = Annotated[str, Query(pattern=ID_PATTERN.pattern, max_length=128)]
OptionalSessionQuery = Annotated[str | None, Query(pattern=ID_PATTERN.pattern, max_length=128)]
UserIdQuery = Annotated[
    str | None,
    Query(
        pattern=ID_PATTERN.pattern,
        max_length=128,
        description="Accepted for compatibility; must be the caller's own id",
    ),
]
FactId = Annotated[str, Path(pattern=FACT_ID_PATTERN, max_length=200)]


@router.post(
    "/sessions/{session_id}/messages",
    status_code=status.HTTP_201_CREATED,
    response_model=list[MessageOut],
    responses=declared(401, 403, 404, 413, 422, 503),
)
async def add_messages(
    session_id: SessionId,
    body: AddMessagesRequest,
    principal: CurrentUser,
    recorder: Recorder,
    accounts: Accounts,
) -> list[MessageOut]:
    """Record messages (idempotent by message_id); memory extraction follows in the
    background. A soft-deleted session is restored."""
    user_id = await acting_for(principal, body.user_id, accounts)
    stored = await recorder.add_messages(
        user_id,
        session_id,
        [
            IncomingMessage(
                role=m.role,
                content=m.content,
                message_id=m.message_id,
                name=m.name,
                occurred_at=m.occurred_at,
                metadata=m.metadata,
            )
            for m in body.messages
        ],
    )
    return [MessageOut.of(message) for message in stored]


@router.get(
    "/history", response_model=Page[MessageOut], responses=declared(401, 403, 404, 422, 503)
)
async def history(
    principal: CurrentUser,
    views: Views,
    accounts: Accounts,
    session_id: SessionQuery,
    user_id: UserIdQuery = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> Page[MessageOut]:
    """A session's messages, oldest first, complete."""
    owner = await acting_for(principal, user_id, accounts)
    page = await views.history(owner, session_id, limit=limit, cursor=cursor)
    return Page[MessageOut].of(page)


@router.get("/memory", response_model=MemoryOut, responses=declared(401, 403, 404, 422, 503))
async def view_memory(
    principal: CurrentUser,
    views: Views,
    accounts: Accounts,
    session_id: OptionalSessionQuery = None,
    user_id: UserIdQuery = None,
) -> MemoryOut:
    """Everything remembered: facts with provenance and validity, the graph, a context
    string, and the session's recent messages."""
    owner = await acting_for(principal, user_id, accounts)
    return MemoryOut.of(await views.view(owner, session_id=session_id))


@router.post(
    "/memory/search",
    response_model=SearchOut,
    responses=declared(401, 403, 404, 413, 422, 503),
    openapi_extra=READS_ONLY,
)
async def search_memory(
    body: SearchRequest, principal: CurrentUser, recall: Recall, accounts: Accounts
) -> SearchOut:
    """What chat would recall for a question: facts, graph relations and past messages,
    fused into one ranking, in prompt order (``items``), with the facts among them
    (``results``). Temporal questions ("where did I live before?") include what no longer
    holds."""
    owner = await acting_for(principal, body.user_id, accounts)
    return SearchOut.of(await recall.recall(owner, body.query, limit=body.limit))


@router.post(
    "/memory/consolidate",
    response_model=ConsolidationOut,
    responses=declared(401, 403, 404, 413, 422, 503),
)
async def consolidate(
    principal: CurrentUser,
    service: Consolidation,
    accounts: Accounts,
    body: ConsolidateRequest | None = None,
) -> ConsolidationOut:
    """Merge duplicates, invalidate superseded facts, add facts the graph knows; with
    ``dry_run`` only report the decisions."""
    request = body or ConsolidateRequest()
    owner = await acting_for(principal, request.user_id, accounts)
    return ConsolidationOut.of(await service.run(owner, dry_run=request.dry_run))


@router.get("/memory/facts", response_model=Page[FactOut], responses=declared(401, 422, 503))
async def list_facts(
    principal: CurrentUser,
    facts: Facts,
    include_invalidated: bool = False,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> Page[FactOut]:
    """The caller's facts, newest first."""
    page = await facts.list(
        principal.user_id, limit=limit, cursor=cursor, include_invalidated=include_invalidated
    )
    return Page[FactOut].of(page)


@router.get(
    "/memory/facts/{fact_id}", response_model=FactOut, responses=declared(401, 404, 422, 503)
)
async def get_fact(fact_id: FactId, principal: CurrentUser, facts: Facts) -> FactOut:
    """One fact; another user's fact is 404."""
    return FactOut.of(await facts.get(principal.user_id, fact_id))


@router.patch(
    "/memory/facts/{fact_id}",
    response_model=FactOut,
    responses=declared(401, 403, 404, 413, 422, 503),
)
async def correct_fact(
    fact_id: FactId, body: FactPatch, principal: CurrentUser, facts: Facts
) -> FactOut:
    """Correct a fact's value or text (recorded in its history)."""
    return FactOut.of(
        await facts.correct(principal.user_id, fact_id, value=body.value, text=body.text)
    )


@router.delete(
    "/memory/facts/{fact_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=declared(401, 403, 404, 422, 503),
)
async def delete_fact(fact_id: FactId, principal: CurrentUser, facts: Facts) -> Response:
    """Forget a fact (its history keeps a DELETE event)."""
    await facts.forget(principal.user_id, fact_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/memory/facts/{fact_id}/history",
    response_model=list[FactEventOut],
    responses=declared(401, 404, 422, 503),
)
async def fact_history(fact_id: FactId, principal: CurrentUser, facts: Facts) -> list[FactEventOut]:
    """ADD / UPDATE / INVALIDATE / DELETE events of a fact, oldest first."""
    return [FactEventOut.of(e) for e in await facts.history(principal.user_id, fact_id)]


@router.get("/memory/graph", response_model=GraphOut, responses=declared(401, 422, 503))
async def graph(
    principal: CurrentUser,
    views: Views,
    as_of: Annotated[
        Moment | None,
        Query(description="Relations valid at this time (ISO 8601 with a UTC offset)"),
    ] = None,
    include_invalidated: bool = True,
) -> GraphOut:
    """The caller's knowledge graph: entities and relations with validity."""
    return GraphOut.of(
        await views.graph(principal.user_id, as_of=as_of, include_invalidated=include_invalidated)
    )


@router.post(
    "/memory/data",
    status_code=status.HTTP_201_CREATED,
    response_model=DataOut,
    responses=declared(401, 403, 404, 413, 422, 503),
)
async def add_data(
    body: DataRequest, principal: CurrentUser, recorder: Recorder, accounts: Accounts
) -> DataOut:
    """Business data (text or a JSON object) into the user's memory, like Zep's graph.add."""
    owner = await acting_for(principal, body.user_id, accounts)
    plan = await recorder.add_data(owner, body.data, occurred_at=body.occurred_at)
    return DataOut.of(plan)
