"""Request and response bodies of the HTTP API."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
)

from hybridmem.application.chat import ChatReply
from hybridmem.application.consolidation import ConsolidationReport
from hybridmem.application.recall import Recall
from hybridmem.application.views import MemoryView
from hybridmem.domain.accounts import (
    ID_PATTERN,
    MAX_METADATA_BYTES,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    ChatSession,
    User,
)
from hybridmem.domain.consolidation import Decision
from hybridmem.domain.facts import Fact
from hybridmem.domain.graph import Entity, Relation
from hybridmem.domain.jobs import Job
from hybridmem.domain.messages import Message, Role
from hybridmem.domain.moments import RANGE_RULE, is_representable
from hybridmem.domain.recall import MemoryItem
from hybridmem.domain.retrieval import FactEvent, GraphView
from hybridmem.domain.temporal import TemporalPlan

MAX_METADATA_DEPTH = 8


def _depth(value: Any, level: int = 0) -> int:
    if isinstance(value, dict):
        return max((_depth(item, level + 1) for item in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(item, level + 1) for item in value), default=level + 1)
    return level


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _no_nul(value: Any) -> Any:
    # PostgreSQL cannot store NUL characters in text or jsonb; refuse them up front.
    if _has_nul(value):
        raise ValueError("text must not contain NUL (\\u0000) characters")
    return value


_ISO_8601 = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def iso_8601_only(value: Any) -> Any:
    """Refuse numbers posing as times: pydantic would read "0.5" as a Unix timestamp."""
    if isinstance(value, str) and not _ISO_8601.match(value):
        raise ValueError("expected an ISO 8601 date-time such as 2024-05-08T13:56:00Z")
    return value


def _representable(value: datetime) -> datetime:
    # Python holds 9999-12-31T23:59:59-14:00, but in UTC it is year 10000: PostgreSQL
    # would store it and no read could load it back. The domain applies the same rule.
    if not is_representable(value):
        raise ValueError(f"expected a time {RANGE_RULE}")
    return value


#: Every date-time the API accepts: ISO 8601 with a UTC offset, within years 1-9999 in UTC.
Moment = Annotated[AwareDatetime, BeforeValidator(iso_8601_only), AfterValidator(_representable)]


def _check_metadata(value: dict[str, Any]) -> dict[str, Any]:
    _no_nul(value)
    if len(json.dumps(value, ensure_ascii=False).encode()) > MAX_METADATA_BYTES:
        raise ValueError(f"metadata must serialize to at most {MAX_METADATA_BYTES} bytes")
    if _depth(value) > MAX_METADATA_DEPTH:
        raise ValueError(f"metadata may nest at most {MAX_METADATA_DEPTH} levels")
    for key in value:
        if not key or len(key) > 256:
            raise ValueError("metadata keys must have 1-256 characters")
    return value


Metadata = Annotated[dict[str, Any], AfterValidator(_check_metadata)]
ClientId = Annotated[
    str, StringConstraints(pattern=ID_PATTERN.pattern, min_length=1, max_length=128)
]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_no_nul)
]
About = Annotated[str, StringConstraints(max_length=5000), AfterValidator(_no_nul)]
Content = Annotated[
    str, StringConstraints(min_length=1, max_length=100_000), AfterValidator(_no_nul)
]
Query_ = Annotated[str, StringConstraints(min_length=1, max_length=2000), AfterValidator(_no_nul)]
#: Free text in a query string (PostgreSQL cannot compare text holding NUL).
QueryText = Annotated[str, AfterValidator(_no_nul)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=MAX_PASSWORD_LENGTH)]


class StrictModel(BaseModel):
    """Unknown fields are refused so typos surface instead of being ignored."""

    model_config = ConfigDict(extra="forbid")


class SignupRequest(StrictModel):
    """Create an account."""

    email: EmailStr
    password: Annotated[
        str, StringConstraints(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
    ] = Field(
        description="At least 8 characters, at least 3 different ones, not one of the "
        "30,000 most common passwords nor easy to guess (e.g. built from the email)"
    )
    user_id: ClientId | None = Field(
        default=None, description="Your own id for the user (e.g. 'user123'); generated if absent"
    )
    first_name: Name | None = None
    last_name: Name | None = None
    about: About | None = None
    metadata: Metadata = Field(default_factory=dict)


class LoginRequest(StrictModel):
    """Log in with an email or a user id."""

    email: EmailStr | None = None
    user_id: ClientId | None = None
    password: Password


class PasswordChangeRequest(StrictModel):
    """Change the password: the current one, and the new one (same rules as signup)."""

    current_password: Password
    new_password: Annotated[
        str, StringConstraints(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
    ]


class TokenResponse(BaseModel):
    """A bearer token."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int = Field(description="Seconds until the token expires")


class UserOut(BaseModel):
    """A user's profile."""

    user_id: str
    email: str
    first_name: str | None
    last_name: str | None
    about: str | None
    metadata: dict[str, Any]
    is_admin: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        """Convert from the domain type."""
        return cls(
            user_id=user.user_id,
            email=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
            about=user.about,
            metadata=user.metadata,
            is_admin=user.is_admin,
            created_at=user.created_at,
            updated_at=user.updated_at,
        )


class UserPatch(StrictModel):
    """Change profile fields; metadata is merged and a key set to null is removed."""

    email: EmailStr | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    about: About | None = None
    metadata: Metadata | None = None


class UserPage(BaseModel):
    """A page of users."""

    items: list[UserOut]
    next_cursor: str | None


class SessionStartRequest(StrictModel):
    """Start (or find) a chat session."""

    session_id: ClientId | None = Field(
        default=None, description="Your own id for the session; generated if absent"
    )
    metadata: Metadata | None = None
    user_id: ClientId | None = Field(
        default=None, description="Accepted for compatibility; must be the caller's own id"
    )


class SessionOut(BaseModel):
    """A chat session."""

    session_id: str
    user_id: str
    metadata: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, session: ChatSession) -> SessionOut:
        """Convert from the domain type."""
        return cls(
            session_id=session.session_id,
            user_id=session.user_id,
            metadata=session.metadata,
            created_at=session.created_at,
            updated_at=session.updated_at,
        )


class SessionPatch(StrictModel):
    """Merge metadata into a session; a key set to null is removed."""

    metadata: Metadata


class SessionPage(BaseModel):
    """A page of sessions."""

    items: list[SessionOut]
    next_cursor: str | None


class HealthOut(BaseModel):
    """Liveness."""

    status: str


class ReadinessOut(BaseModel):
    """Readiness of each dependency."""

    status: str
    checks: dict[str, dict[str, Any]]


class MessageIn(StrictModel):
    """One message to record."""

    role: Role
    content: Content
    message_id: ClientId | None = Field(
        default=None, description="Your id for the message; makes retries idempotent"
    )
    name: Name | None = None
    occurred_at: Moment | None = Field(default=None, description="When it was said (default: now)")
    metadata: Metadata = Field(default_factory=dict)


class AddMessagesRequest(StrictModel):
    """Messages to append to a session."""

    messages: list[MessageIn] = Field(min_length=1, max_length=100)
    user_id: ClientId | None = None


class MessageOut(BaseModel):
    """A recorded message."""

    message_id: str
    session_id: str
    role: Role
    content: str
    name: str | None
    occurred_at: datetime
    created_at: datetime
    metadata: dict[str, Any]

    @classmethod
    def of(cls, message: Message) -> MessageOut:
        """Convert from the domain type."""
        return cls(
            message_id=message.message_id,
            session_id=message.session_id,
            role=message.role,
            content=message.content,
            name=message.name,
            occurred_at=message.occurred_at,
            created_at=message.created_at,
            metadata=message.metadata,
        )


class MessagePage(BaseModel):
    """A page of messages, oldest first."""

    items: list[MessageOut]
    next_cursor: str | None


class FactOut(BaseModel):
    """A fact with its validity and provenance (the message ids it came from)."""

    fact_id: str
    attribute: str
    value: str
    qualifier: str | None
    text: str
    valid_from: datetime
    valid_to: datetime | None
    provenance: list[str]
    source: str
    confidence: float
    superseded_by: str | None

    @classmethod
    def of(cls, fact: Fact) -> FactOut:
        """Convert from the domain type."""
        return cls(
            fact_id=fact.fact_id,
            attribute=fact.attribute.value,
            value=fact.value,
            qualifier=fact.qualifier,
            text=fact.text,
            valid_from=fact.valid_from,
            valid_to=fact.valid_to,
            provenance=list(fact.provenance),
            source=fact.source.value,
            confidence=fact.confidence,
            superseded_by=fact.superseded_by,
        )


class FactPage(BaseModel):
    """A page of facts."""

    items: list[FactOut]
    next_cursor: str | None


class FactPatch(StrictModel):
    """Correct a fact."""

    value: (
        Annotated[str, StringConstraints(min_length=1, max_length=1000), AfterValidator(_no_nul)]
        | None
    ) = None
    text: (
        Annotated[str, StringConstraints(min_length=1, max_length=2000), AfterValidator(_no_nul)]
        | None
    ) = None


class FactEventOut(BaseModel):
    """One change of a fact."""

    fact_id: str
    kind: str
    at: datetime
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    reason: str | None

    @classmethod
    def of(cls, event: FactEvent) -> FactEventOut:
        """Convert from the domain type."""
        return cls(
            fact_id=event.fact_id,
            kind=event.kind.value,
            at=event.at,
            old=event.old,
            new=event.new,
            reason=event.reason,
        )


class EntityOut(BaseModel):
    """A node of the graph."""

    key: str
    name: str
    entity_type: str
    summary: str | None

    @classmethod
    def of(cls, entity: Entity) -> EntityOut:
        """Convert from the domain type."""
        return cls(
            key=entity.key,
            name=entity.name,
            entity_type=entity.entity_type.value,
            summary=entity.summary,
        )


class RelationOut(BaseModel):
    """An edge of the graph with its validity."""

    relation_id: str
    source: str
    relation_type: str
    target: str
    fact: str
    valid_at: datetime
    invalid_at: datetime | None
    invalidated_by: str | None
    episode_id: str | None

    @classmethod
    def of(cls, relation: Relation) -> RelationOut:
        """Convert from the domain type."""
        return cls(
            relation_id=relation.relation_id,
            source=relation.source_key,
            relation_type=relation.relation_type.value,
            target=relation.target_key,
            fact=relation.fact,
            valid_at=relation.valid_at,
            invalid_at=relation.invalid_at,
            invalidated_by=relation.invalidated_by,
            episode_id=relation.episode_id,
        )


class GraphOut(BaseModel):
    """Entities and relations."""

    entities: list[EntityOut]
    relations: list[RelationOut]

    @classmethod
    def of(cls, graph: GraphView) -> GraphOut:
        """Convert from the domain type."""
        return cls(
            entities=[EntityOut.of(e) for e in graph.entities],
            relations=[RelationOut.of(r) for r in graph.relations],
        )


class MemoryOut(BaseModel):
    """The merged memory view."""

    facts: list[FactOut]
    entities: list[EntityOut]
    relations: list[RelationOut]
    context: str
    messages: list[MessageOut]

    @classmethod
    def of(cls, view: MemoryView) -> MemoryOut:
        """Convert from the application type."""
        graph = GraphOut.of(view.graph)
        return cls(
            facts=[FactOut.of(f) for f in view.facts],
            entities=graph.entities,
            relations=graph.relations,
            context=view.context,
            messages=[MessageOut.of(m) for m in view.messages],
        )


class SearchRequest(StrictModel):
    """A memory search."""

    query: Query_
    limit: int = Field(default=10, ge=1, le=100)
    user_id: ClientId | None = None


class ScoredFactOut(BaseModel):
    """A fact and its relevance."""

    fact: FactOut
    score: float


class RecallItemOut(BaseModel):
    """One recalled item, as chat puts it into the prompt."""

    ref: str = Field(description="store/id, e.g. facts/fct_1 or history/msg_2")
    store: str = Field(description="facts, graph or history")
    item_id: str
    text: str
    score: float
    provenance: list[str] = Field(description="The message ids the item derives from")
    occurred_at: datetime | None
    valid_to: datetime | None
    speaker: str | None

    @classmethod
    def of(cls, item: MemoryItem) -> RecallItemOut:
        """Convert from the domain type."""
        return cls(
            ref=str(item.ref),
            store=item.store.value,
            item_id=item.ref.item_id,
            text=item.text,
            score=item.score,
            provenance=list(item.provenance),
            occurred_at=item.occurred_at,
            valid_to=item.valid_to,
            speaker=item.speaker,
        )


class SearchOut(BaseModel):
    """What chat would recall for the query: the items in prompt order, the facts among
    them, and how the router read the question."""

    intent: str
    attributes: list[str]
    results: list[ScoredFactOut]
    items: list[RecallItemOut]
    context: str = Field(description="The context text chat would put into its prompt")

    @classmethod
    def of(cls, recall: Recall) -> SearchOut:
        """Convert from the application type."""
        return cls(
            intent=recall.plan.intent.value,
            attributes=[a.value for a in recall.plan.attributes],
            results=[ScoredFactOut(fact=FactOut.of(f.fact), score=f.score) for f in recall.facts],
            items=[RecallItemOut.of(item) for item in recall.items],
            context=recall.context.text,
        )


class ConsolidateRequest(StrictModel):
    """Run consolidation."""

    dry_run: bool = False
    user_id: ClientId | None = None


class DecisionOut(BaseModel):
    """One consolidation decision."""

    kind: str
    store: str
    fact: FactOut
    result: FactOut | None
    duplicates: list[str]
    same_as: str | None

    @classmethod
    def of(cls, decision: Decision) -> DecisionOut:
        """Convert from the domain type."""
        return cls(
            kind=decision.kind.value,
            store=decision.store.value,
            fact=FactOut.of(decision.fact),
            result=FactOut.of(decision.result) if decision.result else None,
            duplicates=[d.fact_id for d in decision.duplicates],
            same_as=decision.same_as,
        )


class ConsolidationOut(BaseModel):
    """The decisions and what was written."""

    dry_run: bool
    changed: bool
    added: int
    updated: int
    deleted: int
    decisions: list[DecisionOut]

    @classmethod
    def of(cls, report: ConsolidationReport) -> ConsolidationOut:
        """Convert from the application type."""
        return cls(
            dry_run=report.dry_run,
            changed=report.changed,
            added=report.added,
            updated=report.updated,
            deleted=report.deleted,
            decisions=[DecisionOut.of(d) for d in report.decisions],
        )


class DataRequest(StrictModel):
    """Business data for the user's memory: text, or a JSON object of labelled values."""

    data: Content | Metadata
    occurred_at: Moment | None = None
    user_id: ClientId | None = None


class DataOut(BaseModel):
    """The facts the data added or changed."""

    facts: list[FactOut]

    @classmethod
    def of(cls, plan: TemporalPlan) -> DataOut:
        """Convert from the domain type."""
        return cls(facts=[FactOut.of(d.fact) for d in plan.decisions])


class JobOut(BaseModel):
    """A background job."""

    job_id: int
    kind: str
    user_id: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime

    @classmethod
    def of(cls, job: Job) -> JobOut:
        """Convert from the domain type."""
        return cls(
            job_id=job.job_id,
            kind=job.kind,
            user_id=job.user_id,
            status=job.status.value,
            attempts=job.attempts,
            last_error=job.last_error,
            created_at=job.created_at,
        )


class ChatRequest(StrictModel):
    """One chat message (the seed's body, plus options)."""

    session_id: ClientId
    message: Content
    user_id: ClientId | None = Field(
        default=None, description="Accepted for compatibility; must be the caller's own id"
    )
    message_id: ClientId | None = Field(
        default=None, description="Your id for the message; a retry with it is not stored twice"
    )
    stream: bool = Field(
        default=False, description="Answer as server-sent events (also: Accept: text/event-stream)"
    )


class MemoryUsed(BaseModel):
    """What memory contributed to the answer."""

    facts_used: list[FactOut]
    relations_used: list[RelationOut]
    items: list[RecallItemOut] = Field(description="Everything recalled, in prompt order")
    sources_skipped: list[str]


class Usage(BaseModel):
    """Tokens the model reported."""

    input_tokens: int
    output_tokens: int


class Timings(BaseModel):
    """Where the time went (also in the Server-Timing header)."""

    memory_ms: float
    model_ms: float
    total_ms: float


class ChatOut(BaseModel):
    """The answer to one chat message."""

    session_id: str
    reply: str
    message_id: str
    reply_message_id: str
    memory: MemoryUsed
    usage: Usage
    timings: Timings

    @classmethod
    def of(cls, reply: ChatReply) -> ChatOut:
        """Convert from the application type."""
        return cls(
            session_id=reply.session_id,
            reply=reply.reply,
            message_id=reply.user_message.message_id,
            reply_message_id=reply.assistant_message.message_id,
            memory=MemoryUsed(
                facts_used=[FactOut.of(f.fact) for f in reply.recall.facts],
                relations_used=[RelationOut.of(r.relation) for r in reply.recall.relations],
                items=[RecallItemOut.of(item) for item in reply.recall.items],
                sources_skipped=[store.value for store in reply.recall.sources_skipped],
            ),
            usage=Usage(input_tokens=reply.input_tokens, output_tokens=reply.output_tokens),
            timings=Timings(
                memory_ms=reply.memory_ms, model_ms=reply.model_ms, total_ms=reply.total_ms
            ),
        )
