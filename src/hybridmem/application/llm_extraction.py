"""Model-based fact extraction: a JSON-schema answer from a capable model, normalized by
the same rules as the rule extractor. Runs as its own job next to rule extraction."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from hybridmem.application.extraction import FactExtraction
from hybridmem.domain.attributes import ATTRIBUTES
from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.facts import FactCandidate, FactSource, normalize_labelled
from hybridmem.domain.jobs import Job, MessageJob
from hybridmem.ports.llm import LanguageModel

log = logging.getLogger(__name__)

FACTS_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "properties": {
        "facts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "attribute": {"type": "string"},
                    "value": {"type": "string"},
                    "qualifier": {"type": ["string", "null"]},
                },
                "required": ["attribute", "value", "qualifier"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["facts"],
    "additionalProperties": False,
}

INSTRUCTIONS = (
    "Extract facts the user states about themself in the message. Only facts the user "
    "asserts as true now: no questions, wishes, hypotheticals, negations of likes, or facts "
    "about other people. Use one of these attributes: "
    + ", ".join(f"{spec.attribute.value} ({spec.description})" for spec in ATTRIBUTES.values())
    + ". The value is short (a place, a name, a thing). The qualifier is the pet's species, "
    "the relative's relation, or null. Return an empty list when there is nothing."
)


class LlmFactExtractor:
    """Job handler: ask the model, normalize, remember. Malformed answers are counted and
    dropped (the rule extractor's job for the same message stands on its own)."""

    def __init__(
        self,
        *,
        model: LanguageModel,
        extraction: FactExtraction,
        on_event: Callable[[str], None] | None = None,
    ) -> None:
        self._model = model
        self._extraction = extraction
        self._on_event = on_event or (lambda event: None)

    async def handle(self, job: Job) -> None:
        """Job handler (``JobKind.EXTRACT_LLM``): extract from the job's message; upstream
        failures propagate (and are retried)."""
        payload = MessageJob.from_payload(job.payload)
        content, message_id = payload.message.content, payload.message.message_id
        observed_at = payload.occurred_at
        try:
            answer = await self._model.extract(INSTRUCTIONS, content, FACTS_SCHEMA)
            candidates = self._candidates(answer, message_id=message_id, observed_at=observed_at)
        except InvalidInput as exc:
            self._on_event("llm_extraction_malformed")
            log.warning("model extraction gave unusable output for a message: %s", exc.message)
            return
        self._on_event("llm_extraction_ok")
        await self._extraction.remember(job.user_id, candidates, stated_at=observed_at)

    @staticmethod
    def _candidates(
        answer: Mapping[str, Any], *, message_id: str, observed_at: datetime
    ) -> list[FactCandidate]:
        facts = answer.get("facts")
        if not isinstance(facts, list):
            raise InvalidInput("the answer has no list of facts")
        candidates: list[FactCandidate] = []
        for item in facts:
            if not isinstance(item, Mapping):
                raise InvalidInput("a fact is not an object")
            label, value = item.get("attribute"), item.get("value")
            qualifier = item.get("qualifier")
            if not isinstance(label, str) or not isinstance(value, str):
                raise InvalidInput("a fact lacks a string attribute or value")
            candidates.append(
                normalize_labelled(
                    label,
                    value,
                    observed_at=observed_at,
                    message_id=message_id,
                    qualifier=qualifier if isinstance(qualifier, str) else None,
                    source=FactSource.LLM,
                    confidence=0.8,
                )
            )
        return candidates
