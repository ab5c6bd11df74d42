"""The memory router: which memories to read for a message, and where to write it.

Reading (``plan_read``) decides which memories the one recall pipeline
(:mod:`hybridmem.domain.recall`) draws candidates from, how many, and in which order ties
go:

- personal facts ("Where do I live?") → the fact memory first, then the graph, then past
  messages; only what holds now;
- temporal questions ("Where did I live before?", "When did I move?") → the graph first,
  invalidated relations and closed facts included;
- relationships ("Who is my sister?", "What's my dog called?") → graph entities first;
- anything else worth a look ("What did Caroline research?") → every memory;
- small talk ("hi", "thanks") → nothing.

Writing (``plan_write``): history always; facts and graph only for user messages that say
something about the user.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType

from hybridmem.domain.attributes import OPPOSITE_ATTRIBUTES, Attribute
from hybridmem.domain.extraction import extract_facts
from hybridmem.domain.messages import Role
from hybridmem.domain.sentences import expand_clitics, split_sentences
from hybridmem.domain.stores import Store


class Intent(StrEnum):
    """What a message asks of memory."""

    PERSONAL_FACT = "personal_fact"
    TEMPORAL = "temporal"
    RELATIONAL = "relational"
    GENERAL = "general"
    CHIT_CHAT = "chit_chat"


@dataclass(frozen=True, slots=True)
class SourceRead:
    """Draw up to ``limit`` candidates from ``source``."""

    source: Store
    limit: int
    include_invalidated: bool = False


@dataclass(frozen=True, slots=True)
class ReadPlan:
    """What to read for one message; ``reads`` are in priority order."""

    query: str
    intent: Intent
    attributes: tuple[Attribute, ...]
    include_invalidated: bool
    reads: tuple[SourceRead, ...]
    #: The question asks about what held before ("Where did I live before?"): facts and
    #: relations that no longer hold rank first.
    prefers_past: bool = False

    def limit_for(self, source: Store) -> int:
        """How many items to read from ``source`` (0 when the plan skips it)."""
        return next((read.limit for read in self.reads if read.source is source), 0)

    @property
    def sources(self) -> tuple[Store, ...]:
        """The sources to read, most important first."""
        return tuple(read.source for read in self.reads)


#: Per-intent candidate pools, most important first (the order breaks fusion ties).
DEFAULT_READS: Mapping[Intent, tuple[tuple[Store, int], ...]] = MappingProxyType(
    {
        Intent.PERSONAL_FACT: ((Store.FACTS, 10), (Store.GRAPH, 10), (Store.HISTORY, 10)),
        Intent.TEMPORAL: ((Store.GRAPH, 10), (Store.FACTS, 10), (Store.HISTORY, 10)),
        Intent.RELATIONAL: ((Store.GRAPH, 10), (Store.FACTS, 10), (Store.HISTORY, 10)),
        Intent.GENERAL: ((Store.HISTORY, 10), (Store.FACTS, 10), (Store.GRAPH, 10)),
        Intent.CHIT_CHAT: (),
    }
)


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# Keyword → attributes. Order matters only for the order of the returned attributes.
_ATTRIBUTE_CUES: tuple[tuple[re.Pattern[str], tuple[Attribute, ...]], ...] = (
    (_compile(r"\b(?:name|called|call me)\b"), (Attribute.NAME,)),
    (_compile(r"\b(?:how old|age|years old)\b"), (Attribute.AGE,)),
    (_compile(r"\b(?:birthday|bday|born on|date of birth)\b"), (Attribute.BIRTHDAY,)),
    (
        _compile(
            r"\b(?:where\s+(?:do|did|am|was|have)\s+i\s+(?:live|living|lived|stay|based|moved?)"
            r"|live|living|lived|reside|based|home|city|address|moved?|moving|relocat\w*)\b"
        ),
        (Attribute.LOCATION,),
    ),
    (
        _compile(
            r"\b(?:where\s+am\s+i\s+from|hometown|grow up|grew up|born in|come from|childhood)\b"
        ),
        (Attribute.HOMETOWN,),
    ),
    (
        _compile(r"\b(?:nationality|citizen\w*|passport|where\s+am\s+i\s+from)\b"),
        (Attribute.NATIONALITY,),
    ),
    (
        _compile(
            r"\b(?:work|job|jobs|do for a living|profession|occupation|career|employer|company"
            r"|employed|boss|office|what do i do)\b"
        ),
        (Attribute.OCCUPATION, Attribute.EMPLOYER),
    ),
    (
        _compile(r"\b(?:study|studied|school|college|university|degree|graduate\w*|major)\b"),
        (Attribute.EDUCATION,),
    ),
    (
        _compile(
            r"\b(?:wife|husband|partner|spouse|girlfriend|boyfriend|fianc\w*|married|dating"
            r"|single|relationship)\b"
        ),
        (Attribute.PARTNER, Attribute.RELATIONSHIP_STATUS),
    ),
    (
        _compile(
            r"\b(?:sister|brother|sibling|siblings|mother|mom|mum|father|dad|parents?|son"
            r"|daughter|kids?|children|child|family|cousin|aunt|uncle|grand\w+|niece|nephew)\b"
        ),
        (Attribute.FAMILY_MEMBER,),
    ),
    (
        _compile(
            r"\b(?:pets?|dog|dogs|puppy|cat|cats|kitten|parrot|hamster|rabbit|fish|bird|turtle"
            r"|horse)\b"
        ),
        (Attribute.PET,),
    ),
    (
        _compile(r"\b(?:like|likes|love|loves|enjoy|favou?rite|fave?|into|fan of|prefer)\b"),
        (Attribute.LIKES,),
    ),
    (_compile(r"\b(?:hate|dislike|can't stand|can not stand|don't like)\b"), (Attribute.DISLIKES,)),
    (_compile(r"\b(?:hobby|hobbies|free time|spare time|for fun|pastime)\b"), (Attribute.HOBBIES,)),
    (_compile(r"\b(?:allerg\w*)\b"), (Attribute.ALLERGIES,)),
    # an intolerance is stored as a free-text fact (it is not an allergy)
    (_compile(r"\b(?:intoleran\w*)\b"), (Attribute.OTHER, Attribute.ALLERGIES)),
    (
        _compile(r"\b(?:diet|vegetarian|vegan|eat|eating|food|halal|kosher|keto)\b"),
        (Attribute.DIET, Attribute.ALLERGIES),
    ),
    (_compile(r"\b(?:speak|language|languages|fluent)\b"), (Attribute.LANGUAGES,)),
)

_TEMPORAL = _compile(
    r"\b(?:before|used to|previously|formerly|earlier|when did|when was|when were"
    r"|how long|since when|anymore|any more|still|history|changed?|ago|last (?:year|month"
    r"|week)|in (?:19|20)\d\d|did i (?:use to|live|work|have|like|study)|was i|were my"
    r"|what was|where was|first|past)\b"
)
# Asking about the past, generically: "before", "used to", "previously", "my old job",
# "where did I live", "what was my …".
_PAST = _compile(
    r"\b(?:before|used to|use to|previously|formerly|earlier|in the past|anymore|any more"
    r"|no longer|former|old (?:job|city|place|address|home|name|school|company|employer)"
    r"|did i (?:live|work|stay|study|use to)|what was my|where was i|who was my"
    r"|which \w+ (?:was|were) my)\b"
)
_RELATIONAL = _compile(
    r"\b(?:who|whom|my (?:sister|brother|mother|mom|mum|father|dad|parents?|son|daughter"
    r"|kids?|children|wife|husband|partner|girlfriend|boyfriend|family|friend|friends|dog"
    r"|cat|pet|pets|cousin|aunt|uncle)|relationship|related)\b"
)
# "me" alone is not enough: "tell me a joke" is not about the user; "me", "we", "our" are
# when the message also names something remembered ("Which company employs me?").
_SELF = _compile(r"\b(?:i|my|mine|myself|about me)\b")
_WEAK_SELF = _compile(r"\b(?:me|we|us|our|ours)\b")
_QUESTION = _compile(
    r"\?\s*$|^(?:do|does|did|am|is|are|was|were|can|could|would|will|have|has|where|what"
    r"|when|who|whom|whose|why|how|which|remind me|tell me|remember)\b"
)
_SMALL_TALK = _compile(
    r"^(?:hi|hello|hey|hiya|yo|thanks|thank you|thx|ok|okay|cool|great|nice|lol|haha|bye"
    r"|good (?:morning|night|evening|afternoon)|how are you|what's up|sup)\b[\s!.,?]*$"
)


_RELATIONSHIP_ATTRIBUTES = frozenset({Attribute.PET, Attribute.FAMILY_MEMBER, Attribute.PARTNER})


def _attributes(text: str) -> tuple[Attribute, ...]:
    found: dict[Attribute, None] = {}
    for pattern, attributes in _ATTRIBUTE_CUES:
        if pattern.search(text):
            found.update(dict.fromkeys(attributes))
    if Attribute.NAME in found and _RELATIONSHIP_ATTRIBUTES & found.keys():
        del found[Attribute.NAME]  # "what's my dog called" asks for the dog's name
    for attribute in list(found):
        # "Do I like olives?" is answered by a dislike as much as by a like.
        if (opposite := OPPOSITE_ATTRIBUTES.get(attribute)) is not None:
            found.setdefault(opposite)
    return tuple(found)


def _intent(text: str, attributes: tuple[Attribute, ...]) -> Intent:
    if _SMALL_TALK.match(text.strip()):
        return Intent.CHIT_CHAT
    if not (_SELF.search(text) or (attributes and _WEAK_SELF.search(text))):
        # Not about the user ("What did Caroline research?"): every memory may still know.
        return Intent.GENERAL if _QUESTION.search(text) else Intent.CHIT_CHAT
    if _TEMPORAL.search(text) and (attributes or _QUESTION.search(text)):
        return Intent.TEMPORAL
    if _RELATIONAL.search(text) or (attributes and set(attributes) <= _RELATIONSHIP_ATTRIBUTES):
        return Intent.RELATIONAL
    if attributes or _QUESTION.search(text):
        return Intent.PERSONAL_FACT
    return Intent.CHIT_CHAT


def plan_read(
    query: str,
    *,
    reads: Mapping[Intent, tuple[tuple[Store, int], ...]] = DEFAULT_READS,
) -> ReadPlan:
    """Classify ``query`` and decide which memories to read, in which order, how much.

    Temporal plans include invalidated facts and relations ("where did I live before?");
    the others read what is valid now. Past messages are read whatever their age.
    """
    text = expand_clitics(query).strip()
    attributes = _attributes(text)
    intent = _intent(text, attributes)
    prefers_past = intent is not Intent.CHIT_CHAT and bool(_PAST.search(text))
    include_invalidated = intent is Intent.TEMPORAL or prefers_past
    return ReadPlan(
        query=query,
        intent=intent,
        attributes=attributes if intent not in (Intent.CHIT_CHAT, Intent.GENERAL) else (),
        include_invalidated=include_invalidated,
        reads=tuple(
            SourceRead(
                source,
                limit,
                include_invalidated=include_invalidated and source is not Store.HISTORY,
            )
            for source, limit in reads[intent]
            if limit > 0
        ),
        prefers_past=prefers_past,
    )


@dataclass(frozen=True, slots=True)
class WritePlan:
    """Where one message goes, and why."""

    targets: tuple[Store, ...]
    reason: str

    @property
    def extract(self) -> bool:
        """True when fact extraction (rules, and an LLM if configured) should run."""
        return Store.FACTS in self.targets


_GATE_TIME = datetime(2000, 1, 1, tzinfo=UTC)  # any moment: the gate only asks "any facts?"
_SELF_STATEMENT = _compile(r"(?:^|\b)(?:i|my|we|our|i'm|im|call me|mine)\b")


def plan_write(text: str, role: Role) -> WritePlan:
    """Decide where a message is written: history always; facts and graph only when a user
    message states something about the user (a first-person sentence that is not a question
    or small talk). LLM extraction may find facts the rules miss, so the check is loose."""
    history = (Store.HISTORY,)
    if role is not Role.USER:
        return WritePlan(history, f"{role.value} messages are history only")
    stripped = text.strip()
    if not stripped or _SMALL_TALK.match(stripped):
        return WritePlan(history, "no content to remember")
    statements = [
        sentence
        for sentence in split_sentences(expand_clitics(stripped))
        if not sentence.is_question and not sentence.is_hypothetical
    ]
    if not any(_SELF_STATEMENT.search(sentence.text) for sentence in statements):
        # Chat drops the subject ("hate mushrooms, love sushi", "Rex passed away",
        # "34, from Porto, nurse"): what the rules can read is worth extracting.
        if extract_facts(stripped, message_id="gate", observed_at=_GATE_TIME):
            return WritePlan((Store.HISTORY, Store.FACTS, Store.GRAPH), "subjectless statement")
        return WritePlan(history, "no first-person statement")
    return WritePlan((Store.HISTORY, Store.FACTS, Store.GRAPH), "first-person statement")
