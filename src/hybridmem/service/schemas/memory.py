"""Bodies of the memory routes: facts, graph, the memory view, search, consolidation and
business data."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    Field,
    StringConstraints,
)

from hybridmem.application.recall import Recall
from hybridmem.application.views import MemoryView
from hybridmem.domain.facts import Fact
from hybridmem.domain.recall import MemoryItem
from hybridmem.domain.temporal import TemporalPlan
from hybridmem.service.schemas.base import OutModel, StrictModel
from hybridmem.service.schemas.fields import (
    ClientId,
    Content,
    Metadata,
    Moment,
    SearchQuery,
    no_nul,
)
from hybridmem.service.schemas.messages import MessageOut


class FactOut(OutModel):
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


class FactPatch(StrictModel):
    """Correct a fact."""

    value: (
        Annotated[str, StringConstraints(min_length=1, max_length=1000), AfterValidator(no_nul)]
        | None
    ) = None
    text: (
        Annotated[str, StringConstraints(min_length=1, max_length=2000), AfterValidator(no_nul)]
        | None
    ) = None


class FactEventOut(OutModel):
    """One change of a fact."""

    fact_id: str
    kind: str
    at: datetime
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    reason: str | None


class EntityOut(OutModel):
    """A node of the graph."""

    key: str
    name: str
    entity_type: str
    summary: str | None


class RelationOut(OutModel):
    """An edge of the graph with its validity."""

    relation_id: str
    # Read from the domain's source_key/target_key; the wire name comes first so the
    # schema of validation (the MCP tools' output schema) names the fields as sent.
    source: str = Field(validation_alias=AliasChoices("source", "source_key"))
    relation_type: str
    target: str = Field(validation_alias=AliasChoices("target", "target_key"))
    fact: str
    valid_at: datetime
    invalid_at: datetime | None
    invalidated_by: str | None
    episode_id: str | None


class GraphOut(OutModel):
    """Entities and relations."""

    entities: list[EntityOut]
    relations: list[RelationOut]


class MemoryOut(BaseModel):
    """The merged memory view."""

    facts: list[FactOut]
    entities: list[EntityOut]
    relations: list[RelationOut]
    context: str
    messages: list[MessageOut]

    @classmethod
    def of(cls, view: MemoryView) -> Self:
        """Convert from the application type (the graph's parts sit at the top level)."""
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

    query: SearchQuery
    limit: int = Field(default=10, ge=1, le=100)
    user_id: ClientId | None = None


class ScoredFactOut(OutModel):
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
    rendered: str = Field(
        description="The item as the context shows it: a message with the messages around "
        "it (a context unit), dated and attributed; provenance covers them all"
    )

    @classmethod
    def of(cls, item: MemoryItem) -> Self:
        """Convert from the domain type (the reference spelled out in three fields)."""
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
            rendered=item.render(),
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
    def of(cls, recall: Recall) -> Self:
        """Convert from the application type."""
        return cls(
            intent=recall.plan.intent.value,
            attributes=[a.value for a in recall.plan.attributes],
            results=[ScoredFactOut.of(f) for f in recall.facts],
            items=[RecallItemOut.of(item) for item in recall.items],
            context=recall.context.text,
        )


class ConsolidateRequest(StrictModel):
    """Run consolidation."""

    dry_run: bool = False
    user_id: ClientId | None = None


def _fact_ids(facts: Any) -> Any:
    # a decision holds the duplicate facts themselves; the API names them by id
    return [f.fact_id if isinstance(f, Fact) else f for f in facts]


class DecisionOut(OutModel):
    """One consolidation decision."""

    kind: str
    store: str
    fact: FactOut
    result: FactOut | None
    duplicates: Annotated[list[str], BeforeValidator(_fact_ids)]
    same_as: str | None


class ConsolidationOut(OutModel):
    """The decisions and what was written."""

    dry_run: bool
    changed: bool
    added: int
    updated: int
    deleted: int
    decisions: list[DecisionOut]


class DataRequest(StrictModel):
    """Business data for the user's memory: text, or a JSON object of labelled values."""

    data: Content | Metadata
    occurred_at: Moment | None = None
    user_id: ClientId | None = None


class DataOut(BaseModel):
    """The facts the data added or changed."""

    facts: list[FactOut]

    @classmethod
    def of(cls, plan: TemporalPlan) -> Self:
        """Convert from the domain type."""
        return cls(facts=[FactOut.of(d.fact) for d in plan.decisions])
