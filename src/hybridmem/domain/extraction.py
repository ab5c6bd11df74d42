"""Deterministic rule extractor: first-person statements → candidate facts.

Precision comes first. A clause yields facts only when it is a first-person statement
(not a question, not hypothetical, not about someone else, not hedged, not in the future)
and a rule matches it from its start. Past statements ("I used to live in Delhi") yield
closed facts. Measured precision and recall on the labelled corpus in ``tests/unit/domain``
are in docs/memory-model.md.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from hybridmem.domain import lexicon
from hybridmem.domain.attributes import Attribute
from hybridmem.domain.extraction_corrections import read_correction
from hybridmem.domain.extraction_everyday import chat_rule, everyday_rule
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
from hybridmem.domain.extraction_support import (
    FAMILY,
    FIRST_PERSON_START,
    PARTNER,
    Clause,
    Found,
    Rule,
    capture,
    compile_ci,
)
from hybridmem.domain.extraction_updates import (
    change_rule,
    ending_rule,
    fragment_facts,
    home_rule,
    named_later,
    nationality_rule,
    several_rule,
    split_profile,
)
from hybridmem.domain.facts import FactCandidate, Revision, make_candidate, require_aware
from hybridmem.domain.sentences import (
    FUTURE_MARKER,
    SUBJECTLESS_CHANGE,
    event_time,
    expand_clitics,
    ongoing_since,
    restore_subject,
    split_clauses,
    split_sentences,
    strip_discourse_prefix,
)
from hybridmem.domain.values import ValueKind, is_casual, validate_value

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
    # "As a Brazilian" alone is an apposition, not a clause
    r"^(?!as\s+an?\s+[^\W\d_]+$)(?:when|whenever|while|before|after|until|till|once"
    r"|as soon as|since|whereas|although|though|because|as|unlike|like|even though|than)\b"
)
_CONTRAST = compile_ci(r",|\b(?:but|and|so|because|which|since)\b")
# "I'm a paralegal, which is fine I guess": a hedge in a trailing remark hedges the remark.
_REMARK = compile_ci(r"\s*,\s*(?:which|who|so|though|but)\b.*$")
# Order matters: specific phrasings ("I am a big fan of", "I am a vegetarian") must win
# over the general "I am a <occupation>".
_LEADING_RULES: tuple[Rule, ...] = (
    chat_rule,
    nationality_rule,
    name_rule,
    several_rule,
    x_is_my_rule,
    my_rule,
    home_rule,
    ending_rule,
    negative_rule,
)
_POSITIVE_RULES: tuple[Rule, ...] = (
    everyday_rule,
    change_rule,
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
    # Only the head counts: "I live in Mumbai, not Delhi" states Mumbai, and "I'm allergic
    # to dust so the mould isn't helping" is allergic to dust.
    head = _CONTRAST.split(clause.text, maxsplit=1)[0]
    if not FIRST_PERSON_START.match(clause.text) or _NEGATION.search(head):
        return []
    for rule in _POSITIVE_RULES:
        if (found := rule(clause)) is not None:
            return found
    return []


#: What a value "switched to" is, by the attribute of what just ended.
_INHERITED_KIND = {
    Attribute.EMPLOYER: ValueKind.ORGANISATION,
    Attribute.LOCATION: ValueKind.PLACE,
    Attribute.OCCUPATION: ValueKind.ROLE,
    Attribute.DIET: ValueKind.DIET,
    Attribute.LANGUAGES: ValueKind.LANGUAGE,
}
_UNNAMED_KINDS = (Attribute.PET, Attribute.FAMILY_MEMBER, Attribute.PARTNER)
_TRAILING_FILLER = compile_ci(
    r"(?:[\s,]+(?:btw|by the way|lol|haha|tbh|here|then|xx+|:\)|:d|now that i think of it|eh))+$"
)
# "last year I moved to Bath": the time phrase dates the clause; the rules start at "I".
_LEADING_TIME = compile_ci(
    r"^(?:last\s+(?:year|month|week|weekend|summer|spring|autumn|fall|winter|night)"
    r"|(?:a\s+few|a\s+couple\s+of|\w+)\s+(?:days?|weeks?|months?|years?)\s+ago"
    r"|(?:in|since|back\s+in)\s+(?:19|20)\d\d|yesterday|this\s+(?:year|month|week))"
    r"\s*,?\s*(?=(?:i|my|we)\b)"
)
# "After a year of travelling we settled in Porto", "since the wedding I'm Sarah Patel": a
# phrase (not a clause: no subject of its own) dates what follows; "after I moved" stays out.
_UNNAMED_COMPANION = compile_ci(
    rf"\b(?:with|and)\s+(?:my|one|a|an)\s+(?P<noun>{FAMILY})\b(?!'s|\s+[A-Z]|\s+and\s+i\b)"
)
_PASSING_MOVE = compile_ci(
    r"\b(?:since|after)\s+(?:moving|relocating)\s+(?:here\s+|over\s+|back\s+)?to\s+(?P<v>.+)$"
)
# "my allergist says I've outgrown …": an expert's word about the user is the user's fact.
_EXPERT_SAYS = compile_ci(
    r"^(?:my\s+|the\s+|an?\s+)?(?:doctor|gp|allergist|dermatologist|dentist|specialist"
    r"|consultant|tests?|results?|blood\s+tests?|scan)\s+(?:says|said|confirmed|shows?|showed"
    r"|told\s+me|tells\s+me)\s+(?:that\s+)?(?=i\b)"
)
_LEADING_PHRASE = compile_ci(
    r"^(?:after|since|following|with)\s+(?!(?:i|we|you|he|she|they|it)\b)(?:[\w'-]+\s+){1,6}?"
    r"(?=(?:i|we)\s)"
)
_CHANGE_START = compile_ci(rf"^{SUBJECTLESS_CHANGE}\b")
_PLEASANTRY = compile_ci(
    r"\s*,\s*(?:nice|pleased|great|good)\s+to\s+meet\s+you.*$|\s*,\s*how\s+are\s+you.*$"
)
_COMPANION = re.compile(
    rf"(?:^|\b(?:with|and|for|to|from)\s+)(?:[Mm]y|[Oo]ur)\s+(?P<noun>{PARTNER}|{FAMILY})\s+"
    r"(?P<v>[A-Z][\w'-]+)"
)


def _candidate(
    found: Found, times: tuple[datetime, datetime], *, message_id: str, revision: Revision
) -> FactCandidate | None:
    """``times`` are the clause's (event time, start of an ongoing state)."""
    when = times[1] if found.ongoing else times[0]
    if found.revision is not Revision.STATEMENT:
        revision = found.revision
    elif not found.current:
        revision = Revision.STATEMENT  # a correction marker does not turn history into one
    return make_candidate(
        found.attribute,
        found.value,
        observed_at=when,
        message_id=message_id,
        qualifier=found.qualifier,
        valid_to=None if found.current else when,
        confidence=RULE_CONFIDENCE if found.current else PAST_CONFIDENCE,
        revision=revision,
        replaces=found.replaces,
    )


def _resolve(found: Found, earlier: list[Found], casual: bool) -> Found | None:
    """An inheriting finding ("switched to padel") takes the attribute of the last fact
    that ended before it, or is dropped."""
    if not found.inherits:
        return found
    ended = next((f for f in reversed(earlier) if not f.current), None)
    if ended is None:
        return None
    kind = _INHERITED_KIND.get(ended.attribute, ValueKind.THING)
    value = validate_value(found.value.strip(" .!"), kind, casual=casual)
    return Found(ended.attribute, value, ended.qualifier) if value else None


def _named(found: list[Found], name: str) -> bool:
    """Give the last unnamed pet, relative or partner of the message its name ("I have a
    boyfriend now, his name is Leo": the partner is the one the status implies)."""
    for index in range(len(found) - 1, -1, -1):
        item = found[index]
        if item.attribute in _UNNAMED_KINDS and item.current and item.value == item.qualifier:
            found[index] = Found(item.attribute, name, item.qualifier)
            return True
        if item.attribute is Attribute.RELATIONSHIP_STATUS and item.current:
            found.append(Found(Attribute.PARTNER, name, "partner"))
            return True
    return False


def _companions(clause: Clause) -> list[Found]:
    """ "… with my girlfriend Ana", "… with my mother", "… since moving to Seville": a
    partner, relative or home mentioned in passing."""
    found: list[Found] = []
    if move := _PASSING_MOVE.search(clause.text):
        found += capture(clause, move.group("v"), ValueKind.PLACE, Attribute.LOCATION)
    for match in _UNNAMED_COMPANION.finditer(clause.text):
        relation = lexicon.FAMILY_RELATIONS[match.group("noun").casefold()]
        found.append(Found(Attribute.FAMILY_MEMBER, relation, relation))
    if clause.casual:
        return found
    for match in _COMPANION.finditer(clause.text):
        probe = Clause(f"my {match.group('noun')} {match.group('v')}", casual=False)
        found += my_rule(probe) or []
    return found


def _sentence_clauses(text: str) -> list[tuple[str, bool]]:
    """(clause, may drop its subject) pairs: a profile line splits at every comma."""
    pieces = split_profile(text)
    if pieces is not None:
        return [(clause, True) for piece in pieces for clause in split_clauses(piece)]
    return [
        (clause, index == 0 or bool(_CHANGE_START.match(clause)))
        for index, clause in enumerate(split_clauses(text))
    ]


def extract_facts(text: str, *, message_id: str, observed_at: datetime) -> list[FactCandidate]:
    """Candidate facts stated by the user in ``text`` (a user message).

    ``observed_at`` is when the message was written; relative times ("last month") count
    back from it. Facts the user says are over ("I used to live in Delhi") come back closed
    (``valid_to`` set); corrections ("sorry, I meant Leeds") and endings ("Rex passed
    away") are marked with their :class:`~hybridmem.domain.facts.Revision`. Duplicates
    within the message are dropped.
    """
    require_aware(observed_at, field_name="observed_at")
    prepared = expand_clitics(text)
    casual = is_casual(prepared)
    collected: list[tuple[Found, tuple[datetime, datetime], Revision]] = []
    now = (observed_at, observed_at)

    for sentence in split_sentences(prepared):
        if sentence.is_question or sentence.is_hypothetical:
            continue
        correction = read_correction(sentence.text, casual=casual)
        if correction.facts:
            collected += [(found, now, Revision.CORRECTION) for found in correction.facts]
            continue
        revision = Revision.CORRECTION if correction.marked else Revision.STATEMENT
        body = correction.body
        if name := intro_name(body[:MAX_CLAUSE_CHARS], casual=casual):
            collected.append((Found(Attribute.NAME, name), now, revision))
        body = _PLEASANTRY.sub("", body)
        profile = split_profile(body) is not None
        for raw_clause, drops_subject in _sentence_clauses(body):
            clause_text = _TRAILING_FILLER.sub("", strip_discourse_prefix(raw_clause))
            clause_text = _EXPERT_SAYS.sub("", _LEADING_PHRASE.sub("", clause_text))
            if not clause_text or len(clause_text) > MAX_CLAUSE_CHARS:
                continue
            if _HEDGE.search(_REMARK.sub("", clause_text)) or FUTURE_MARKER.search(clause_text):
                # "my grandad Bill turns 90 tomorrow": the plan is hedged or ahead, the
                # relative named in passing is not
                if not _SUBORDINATE_START.match(clause_text):
                    passing = _companions(Clause(clause_text, casual))
                    collected += [(f, now, revision) for f in passing if f.value != f.qualifier]
                continue
            if _SUBORDINATE_START.match(clause_text):
                continue
            earlier = [item[0] for item in collected]
            if (name := named_later(clause_text, casual=casual)) and _named(earlier, name):
                kept = [(f, t, r) for f, (_, t, r) in zip(earlier, collected, strict=False)]
                collected = kept + [(f, now, revision) for f in earlier[len(collected) :]]
                continue
            clause_text = _LEADING_TIME.sub("", clause_text)
            restored = restore_subject(clause_text, sentence_start=drops_subject)
            clause = Clause(restored, casual)
            found_here = _clause_facts(clause) or (
                fragment_facts(restored, casual=casual) if profile else []
            )
            found_here += _companions(clause)
            times = (event_time(raw_clause, observed_at), ongoing_since(raw_clause, observed_at))
            for found in found_here:
                resolved = _resolve(found, [item[0] for item in collected], casual)
                if resolved is not None and correction.replaces and resolved.current:
                    resolved = replace(resolved, replaces=correction.replaces)
                if resolved is not None:
                    collected.append((resolved, times, revision))
    candidates: dict[tuple[str, bool], FactCandidate] = {}
    for found, times, revision in collected:
        candidate = _candidate(found, times, message_id=message_id, revision=revision)
        if candidate is not None:
            key = (f"{candidate.key}|{candidate.revision}", candidate.is_current)
            candidates.setdefault(key, candidate)
    return list(candidates.values())
