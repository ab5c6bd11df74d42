"""Deterministic rule extractor: first-person statements → candidate facts.

Precision comes first. A clause yields facts only when it is a first-person statement
(not a question, not hypothetical, not about someone else, not hedged, not in the future)
and a rule matches it from its start. Past statements ("I used to live in Delhi") yield
closed facts. Measured precision and recall on the labelled corpus in ``tests/unit/domain``
are in docs/memory-model.md.
"""

from __future__ import annotations

from datetime import datetime

from hybridmem.domain.attributes import Attribute
from hybridmem.domain.extraction_interests import (
    have_rule,
    health_rule,
    hobby_rule,
    interest_rule,
    personal_rule,
)
from hybridmem.domain.extraction_rules import (
    intro_name,
    my_rule,
    name_rule,
    negative_rule,
    occupation_rule,
    place_rule,
    work_rule,
    x_is_my_rule,
)
from hybridmem.domain.extraction_support import FIRST_PERSON_START, Clause, Found, Rule, compile_ci
from hybridmem.domain.facts import FactCandidate, make_candidate, require_aware
from hybridmem.domain.sentences import (
    FUTURE_MARKER,
    event_time,
    expand_clitics,
    ongoing_since,
    restore_subject,
    split_clauses,
    split_sentences,
    strip_discourse_prefix,
)
from hybridmem.domain.values import is_casual

RULE_CONFIDENCE = 0.9
PAST_CONFIDENCE = 0.8
#: Longer clauses are pasted text rather than statements about oneself; skipping them keeps
#: the extractor fast on documents (the rules are linear in a clause, some are quadratic).
MAX_CLAUSE_CHARS = 400

_NEGATION = compile_ci(r"\b(?:not|never|no longer|nobody|nothing|neither|nor|none|no|without)\b")
_HEDGE = compile_ci(
    r"\b(?:would|might|could|should|shall|must|maybe|perhaps|probably|possibly|hopefully"
    r"|eventually|gonna|wanna|going to|want to|wants to|wanted to|plan to|plans to|planning to"
    r"|planned to|hope to|hoping to|intend to|intending to|thinking of|thinking about"
    r"|considering|about to|trying to|try to|need to|have to|has to|supposed to|ought to"
    r"|i think|i guess|i suppose|i believe|i feel like|i assume|i doubt|not sure|kidding"
    r"|joking|jk|i may|i will|will be|if|wish|pretend|apparently|allegedly)\b"
)
_SUBORDINATE_START = compile_ci(
    r"^(?:when|whenever|while|before|after|until|till|once|as soon as|since|whereas|although"
    r"|though|because|as|unlike|like|even though|than)\b"
)
_CONTRAST = compile_ci(r",|\bbut\b")
# Order matters: specific phrasings ("I am a big fan of", "I am a vegetarian") must win
# over the general "I am a <occupation>".
_LEADING_RULES: tuple[Rule, ...] = (name_rule, x_is_my_rule, my_rule, negative_rule)
_POSITIVE_RULES: tuple[Rule, ...] = (
    place_rule,
    work_rule,
    personal_rule,
    health_rule,
    interest_rule,
    hobby_rule,
    have_rule,
    occupation_rule,
)


def _clause_facts(clause: Clause) -> list[Found]:
    for rule in _LEADING_RULES:
        if (found := rule(clause)) is not None:
            return found
    # Only the head counts: "I live in Mumbai, not Delhi" states Mumbai.
    head = _CONTRAST.split(clause.text, maxsplit=1)[0]
    if not FIRST_PERSON_START.match(clause.text) or _NEGATION.search(head):
        return []
    for rule in _POSITIVE_RULES:
        if (found := rule(clause)) is not None:
            return found
    return []


def _candidate(
    found: Found, times: tuple[datetime, datetime], *, message_id: str
) -> FactCandidate | None:
    """``times`` are the clause's (event time, start of an ongoing state)."""
    when = times[1] if found.ongoing else times[0]
    return make_candidate(
        found.attribute,
        found.value,
        observed_at=when,
        message_id=message_id,
        qualifier=found.qualifier,
        valid_to=None if found.current else when,
        confidence=RULE_CONFIDENCE if found.current else PAST_CONFIDENCE,
    )


def extract_facts(text: str, *, message_id: str, observed_at: datetime) -> list[FactCandidate]:
    """Candidate facts stated by the user in ``text`` (a user message).

    ``observed_at`` is when the message was written; relative times ("last month") count
    back from it. Facts the user says are over ("I used to live in Delhi") come back closed
    (``valid_to`` set). Duplicates within the message are dropped.
    """
    require_aware(observed_at, field_name="observed_at")
    prepared = expand_clitics(text)
    casual = is_casual(prepared)
    candidates: dict[tuple[str, bool], FactCandidate] = {}

    def keep(found: Found, times: tuple[datetime, datetime]) -> None:
        candidate = _candidate(found, times, message_id=message_id)
        if candidate is not None:
            candidates.setdefault((str(candidate.key), candidate.is_current), candidate)

    for sentence in split_sentences(prepared):
        if sentence.is_question or sentence.is_hypothetical:
            continue
        if name := intro_name(sentence.text[:MAX_CLAUSE_CHARS], casual=casual):
            keep(Found(Attribute.NAME, name), (observed_at, observed_at))
        for position, raw_clause in enumerate(split_clauses(sentence.text)):
            clause_text = strip_discourse_prefix(raw_clause)
            if (
                not clause_text
                or len(clause_text) > MAX_CLAUSE_CHARS
                or _SUBORDINATE_START.match(clause_text)
                or _HEDGE.search(clause_text)
                or FUTURE_MARKER.search(clause_text)
            ):
                continue
            clause_text = restore_subject(clause_text, sentence_start=position == 0)
            found_here = _clause_facts(Clause(clause_text, casual))
            if found_here:
                times = (
                    event_time(clause_text, observed_at),
                    ongoing_since(clause_text, observed_at),
                )
                for found in found_here:
                    keep(found, times)
    return list(candidates.values())
