"""Text preparation for the rule extractor: clitics, sentences, clauses, time phrases.

Everything here is deterministic string work; the attribute rules live in
:mod:`hybridmem.domain.extraction`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from types import MappingProxyType

from hybridmem.domain.moments import earlier_by

_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "“": '"', "”": '"', "„": '"'})

# Clitics are expanded so every rule sees one spelling ("I'm" → "I am", "don't" → "do not").
# Possessive "'s" is left alone ("my dog's name"); only a few "'s = is" forms are expanded.
_CLITICS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), replacement)
    for pattern, replacement in (
        (r"\b(I)'m\b", r"\1 am"),
        (r"\b(I)m\b(?=\s+[a-z0-9])", r"\1 am"),
        (r"\b(I|we|they|you)'ve\b", r"\1 have"),
        (r"\b(I)ve\b(?=\s+[a-z])", r"\1 have"),
        (r"\b(I)'d\b", r"\1 would"),
        (r"\b(I)'ll\b", r"\1 will"),
        (r"\b(\w+)'re\b", r"\1 are"),
        (
            r"\b(it|that|what|where|who|how|there|here|he|she|name|birthday|bday|job|hometown)'s\b",
            r"\1 is",
        ),
        (r"\bcan't\b|\bcant\b", "can not"),
        (r"\bwon't\b", "will not"),
        (r"\bain't\b", "am not"),
        (r"\bshan't\b", "shall not"),
        (r"\b(do|does|did|is|are|was|were|have|has|had|would|could|should|must)n't\b", r"\1 not"),
        (r"\b(do|does|did|is|was|have|has|would|could|should)nt\b", r"\1 not"),
        (r"\bcannot\b", "can not"),
    )
)

_ABBREVIATIONS = re.compile(
    r"\b(Mr|Mrs|Ms|Dr|St|Mt|Jr|Sr|Prof|vs|etc|No|approx|Ave|Rd|Inc|Ltd|Co|Corp|e\.g|i\.e"
    r"|U\.S|U\.K|a\.m|p\.m)\.",
    re.IGNORECASE,
)
_PROTECTED_DOT = "\u2024"  # one dot leader: stands in for abbreviation dots while splitting
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+|;\s*|(?<=[.!?])$")

_TAG_QUESTION_TAIL = re.compile(
    r"[,;]?\s*(?:(?:and|what about|how about)\s+(?:you|u)|do\s+you|you)\s*\?+\s*$", re.IGNORECASE
)
_QUESTION_START = re.compile(
    r"^(?:do|does|did|am|is|are|was|were|can|could|would|will|should|shall|have|has|had|may"
    r"|might|must|where|what|when|who|whom|whose|why|how|which|remind me|tell me|guess)\b",
    re.IGNORECASE,
)
# A sentence with one of these is about an imagined world, not the user's facts.
_HYPOTHETICAL = re.compile(
    r"\b(?:if|unless|suppose|supposing|imagine|imagining|pretend|pretending|hypothetically"
    r"|wish|wished|dream of|dreaming|fantasi[sz]e|whether|as though)\b",
    re.IGNORECASE,
)
_REPORTING_VERB = re.compile(
    r"\b(?:said|says|say|told|tells|asked|asks|wrote|writes|replied|answered|texted|claims"
    r"|claimed|thinks|thought|yelled|shouted|goes)\b",
    re.IGNORECASE,
)
_QUOTED_SPAN = re.compile(r'"[^"]*"')
# A quoted span that speaks in the first person ('I live in Paris') is someone's words being
# quoted, translated or corrected, never the user's own statement. A single quote opens only
# after a space or the start (so "parents' house" is not a quote) and closes before a space or
# punctuation (so "dog's" is not one).
_FIRST_PERSON_QUOTE = re.compile(
    r'"[^"]*\b(?:i|me|my|mine|we|our|us)\b[^"]*"'
    r"|(?:(?<=\s)|(?<=^)|(?<=[:(]))'(?=\S)[^'\n]*?\b(?:i|me|my|mine|we|our|us)\b[^'\n]*?"
    r"(?<=\S)'(?=[\s.,!?;:)]|$)",
    re.IGNORECASE,
)
# Any other quoted word keeps its words and loses its marks ("a 'senior' engineer").
_OTHER_QUOTE = re.compile(r"(?:(?<=\s)|(?<=^))'(?=\S)([^'\n]{1,80}?)(?<=\S)'(?=[\s.,!?;:)]|$)")
# A request about language ("translate …", "how do I say …", "correct my grammar: …") carries
# text to work on, not facts about the user; the whole sentence is skipped.
_LANGUAGE_REQUEST = re.compile(
    r"^(?:(?:please|pls|plz|can\s+you|could\s+you|would\s+you|help\s+me|hey|hi|ok|okay)"
    r"[\s,]+)*(?:translate|proofread|paraphrase|rephrase|reword|spell[- ]?check"
    r"|(?:correct|fix|check|improve)\s+(?:this|the|my|these)(?:\s+\w+)?\s+(?:grammar|sentences?"
    r"|spelling|text|english|essay|paragraph|email|message|translation|wording|phrase)"
    r"|(?:correct|fix|check)\s+(?:this|these)\s*:"
    r"|how\s+(?:do|would|can|should)\s+(?:i|you|one)\s+(?:say|write|spell|translate|pronounce)"
    r"|what\s+is\s+the\s+(?:\w+\s+)?(?:for|translation)"
    r"|is\s+(?:this|it)\s+(?:correct|right|grammatical)"
    r"|explain\s+(?:this|the)\s+(?:sentence|phrase|quote|line|grammar))\b"
    # "I need to translate I am from Spain into French"
    r"|\b(?:translate|translated|translation\s+of)\b.*\b(?:in|into)\s+"
    r"(?:spanish|french|german|italian|portuguese|english|japanese|chinese|mandarin|korean"
    r"|arabic|hindi|russian|dutch|turkish|swahili|polish|greek)\W*$",
    re.IGNORECASE,
)

#: Verbs of a change a chat states without its subject, even mid-sentence ("…, left Acme").
SUBJECTLESS_CHANGE = (
    r"(?:just\s+)?(?:moved|left|quit|started|became|switched|stopped|gave\s+up|took\s+up"
    r"|turned|got\s+(?:promoted|laid\s+off|fired|married|engaged|divorced)|relocated"
    r"|shifted|joined|retired|graduated|grew\s+up|(?:finally|also)\s+[^\W\d_]+ed)"
)
_CLAUSE_VERB_STARTS = (
    r"like|love|enjoy|adore|hate|dislike|detest|live|work|speak|have|own|play|prefer|study"
    r"|studied|moved|grew|was|am|used to|do not|did not|can not|also|go|am not|really|never"
    r"|collect|practice|practise|teach|started|became|switched|joined|quit|left|got|stopped"
    r"|gave up|took up|went"
)
_CLAUSE_BREAKS = (
    # ", and I …", "but my …": a conjunction followed by a new first-person subject.
    re.compile(
        r"\s*,?\s+(?:and|but|so|yet|although|though|whereas|because|plus|also|and also|and now"
        r"|but now|and then)\s+(?:(?:currently|now|these days|nowadays|today)\s+)?(?=(?:i|my)\b)",
        re.IGNORECASE,
    ),
    # "quick q about visas - I'm Indian": a dash between thoughts.
    re.compile(r"\s+[-–—]\s+"),
    # "Honestly, I …", "Hi, my name …": a comma before a first-person subject.
    re.compile(r"\s*,\s*(?=(?:i|my|we|our|mine\s+is)\b)", re.IGNORECASE),
    # "I have a boyfriend now, his name is Leo": naming what was just mentioned.
    re.compile(
        r"\s*,\s*(?:and\s+)?(?=(?:his|her|its|their)\s+name\b|(?:he|she|it|they)\s+(?:is|are)"
        r"\s+(?:called|named)\b)",
        re.IGNORECASE,
    ),
    # "I gave up yoga, couldn't keep it up": an excuse after a comma is a clause of its own.
    re.compile(r"\s*,\s*(?=(?:could|can|did|do|does|was|is|would)\s+not\b)", re.IGNORECASE),
    # "Portland is home now, moved over Christmas": a subjectless change after a comma.
    re.compile(rf"\s*,\s*(?=(?:{SUBJECTLESS_CHANGE})\b)", re.IGNORECASE),
    # "I used to be a chef, now I'm a writer": a new time frame starts a new clause.
    re.compile(
        r"\s*,\s*(?:(?:and|but)\s+)?(?:now|today|these days|currently|nowadays)\s+(?=(?:i|my)\b)",
        re.IGNORECASE,
    ),
)
# "I live in Delhi and like chess": the shared subject is restored on the second verb.
_SHARED_SUBJECT_BREAK = re.compile(
    rf"\s*,?\s+(?:and|but)\s+(?:(?:i\s+)?(?:also|really|still|now)\s+)?(?=(?:{_CLAUSE_VERB_STARTS})\b)",
    re.IGNORECASE,
)

_DISCOURSE_PREFIX = re.compile(
    r"^(?:(?:well|so|and|but|also|oh|ok|okay|yeah|yes|yep|no|nope|actually|honestly|basically"
    r"|btw|by the way|anyway|anyways|hi|hello|hey|hiya|greetings|now|currently|nowadays"
    r"|these days|today|lately|recently|right now|at the moment|at present|fyi|for the record"
    r"|just so you know|as you know|fun fact|in fact|plus|then|personally|frankly|seriously"
    r"|truthfully|to be honest|tbh|lol|haha|ah|um|uh|hmm|alright|great|cool|sure|fine|thanks"
    r"|thank you|good morning|good evening|good afternoon|oh and|and also|also,|for context"
    r"|quick update|update|news|guess what|you know what|just to let you know|heads up"
    r"|by the by|again|still|just|on (?:the )?weekends?|at (?:the )?weekends?"
    r"|on (?:mon|tues|wednes|thurs|fri|satur|sun)days?|in the (?:mornings?|evenings?)"
    r"|every (?:morning|evening|day|night|week|weekend|summer|winter)"
    r"|most (?:days|weekends|evenings|mornings)|in my (?:free|spare) time|after work"
    r"|weirdly|oddly|strangely|funnily enough|surprisingly|believe it or not|turns out"
    r"|luckily|thankfully|fortunately|sadly|unfortunately"
    r"|(?:also\s+)?found out(?: that)?|as of (?:today|now|this (?:week|month|year)|yesterday)"
    r"|so yeah|ugh|omg|wow|yay|woohoo|by profession|by trade|at least|(?:fun fact )?about me"
    r"|namaste|okay so|ok so)\b"
    r"[\s,!.:-]*)+",
    re.IGNORECASE,
)


# Chat drops the subject at the start of a sentence ("Love hiking!", "Been living in …").
_DROPPED_SUBJECT: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            # not "Work relocated me to Oslo": there the noun is the subject
            r"^(?!\w+\s+(?:relocated|moved|transferred|posted|sent)\s+(?:me|us)\b)"
            r"(?=(?:love|enjoy|adore|hate|dislike|live|work|moved|just\s+moved|relocated|speak"
            r"|grew\s+up|play)\b)",
            re.IGNORECASE,
        ),
        "I ",
    ),
    (re.compile(r"^(?=been\s+\w+)", re.IGNORECASE), "I have "),
    (re.compile(r"^(?=born\b)", re.IGNORECASE), "I was "),
    (
        re.compile(r"^(?=doing\s+(?:keto|paleo|vegan|low[- ]carb|intermittent))", re.IGNORECASE),
        "I am ",
    ),
    (
        re.compile(
            rf"^(?=(?:{SUBJECTLESS_CHANGE}|(?:just\s+)?(?:studied|studying)\b))",
            re.IGNORECASE,
        ),
        "I ",
    ),
    (re.compile(r"^(?=(?:currently\s+)?working\s+(?:at|for|as)\b)", re.IGNORECASE), "I am "),
    (
        re.compile(
            r"^(?=(?:not\s+(?:a\s+|really\s+a\s+)?(?:big\s+|huge\s+)?fan\s+of|(?:a\s+)?(?:big|huge)"
            r"\s+fan\s+of|allergic\s+to|originally\s+from|based\s+in|fluent\s+in|living\s+in"
            r"|married|engaged|single|divorced|vegan|vegetarian)\b)",
            re.IGNORECASE,
        ),
        "I am ",
    ),
)
# "We moved to Denver", "we live in Porto", "we have a dog": the user is one of "we".
_WE = re.compile(
    r"^we\s+(?=(?:(?:just|recently|also|now|still|currently|finally)\s+)*(?:live|moved|relocated"
    r"|have\s+lived|have\s+been\s+living|have\s+moved|have\b|shifted|settled|have\s+settled"
    r"|have\s+shifted|had\b|named|called|got\s+(?:an?|married|engaged"
    r"|\w+\s+(?:dogs?|cats?|kittens?|puppies|puppy))\b|adopted|rescued|own))",
    re.IGNORECASE,
)
_WE_ARE = re.compile(
    r"^we\s+are\s+(?=(?:(?:now|still|finally)\s+)?(?:based|living|located|settled|in\b))",
    re.IGNORECASE,
)
# "I have recently taken up …" → "I have taken up …": rules match the bare verb phrase.
_AUXILIARY_ADVERB = re.compile(
    r"\b(have|has|am|was|have\s+been)\s+(?:(?:recently|just|finally|also|already|actually"
    r"|currently|still|now|always|officially)\s+)+",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a message and whether it asks, imagines or reports."""

    text: str
    is_question: bool
    is_hypothetical: bool


_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_EMOJI_JOINERS = frozenset("\u200d\ufe0f\ufe0e\U0001f3fb\U0001f3fc\U0001f3fd\U0001f3fe\U0001f3ff")


def _without_symbols(text: str) -> str:
    # Emoji and pictographs carry no fact and would end up inside values ("29 🎉").
    return "".join(
        " " if unicodedata.category(ch) in ("So", "Cs") or ch in _EMOJI_JOINERS else ch
        for ch in text
    )


#: Words the rules anchor on, whose small typos ("i lvie in", "alergic") are undone.
_KEYWORDS = (
    "live", "living", "lived", "work", "working", "worked", "allergic", "vegetarian", "vegan",
    "married", "favourite", "favorite", "birthday", "moved", "daughter", "husband",
    "girlfriend", "boyfriend", "brother", "sister", "speak", "study", "studying",
)  # fmt: skip
_WORD = re.compile(r"[^\W\d_]{4,}")


@cache
def _typos() -> Mapping[str, str]:
    """Misspelling → keyword: adjacent letters swapped (any keyword); a letter doubled
    (seven letters or more); a letter dropped or changed, never the first (eight or more:
    shorter words collide with real ones, "carried" is not "married")."""
    table: dict[str, str] = {}
    letters = "abcdefghijklmnopqrstuvwxyz"
    for word in _KEYWORDS:
        variants = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
        for i in range(1, len(word)):
            if len(word) >= 7:
                variants.add(word[:i] + word[i] + word[i:])
            if len(word) >= 8:
                variants.add(word[:i] + word[i + 1 :])
                variants.update(word[:i] + c + word[i + 1 :] for c in letters)
        for variant in variants - set(_KEYWORDS):
            table.setdefault(variant, word)
    return MappingProxyType(table)


def _fix_typos(text: str) -> str:
    table = _typos()
    return _WORD.sub(lambda m: table.get(m.group(0).casefold(), m.group(0)), text)


def expand_clitics(text: str) -> str:
    """Unicode-normalize, drop emoji, collapse runs of spaces and expand the clitics the
    rules need.

    Collapsing spaces also keeps every later pattern linear in the length of the text.
    """
    normalized = _without_symbols(unicodedata.normalize("NFKC", text).translate(_QUOTES))
    expanded = _fix_typos(_HORIZONTAL_SPACE.sub(" ", normalized))
    for pattern, replacement in _CLITICS:
        expanded = pattern.sub(replacement, expanded)
    return expanded


def split_sentences(text: str) -> list[Sentence]:
    """Split a message into sentences and flag questions and hypotheticals."""
    protected = _ABBREVIATIONS.sub(lambda m: m.group(1) + _PROTECTED_DOT, text)
    sentences: list[Sentence] = []
    for raw in _SENTENCE_BREAK.split(protected):
        chunk = raw.replace(_PROTECTED_DOT, ".").strip()
        if not chunk:
            continue
        # "I live in Delhi, and you?" states a fact before asking back.
        chunk = _TAG_QUESTION_TAIL.sub(".", chunk).strip()
        if _REPORTING_VERB.search(chunk):
            chunk = _QUOTED_SPAN.sub(" ", chunk).strip()
        chunk = _OTHER_QUOTE.sub(r"\1", _FIRST_PERSON_QUOTE.sub(" ", chunk)).strip()
        if not chunk:
            continue
        stripped = _DISCOURSE_PREFIX.sub("", chunk).strip()
        sentences.append(
            Sentence(
                text=chunk,
                is_question=chunk.endswith("?")
                or bool(_QUESTION_START.match(stripped))
                or bool(_LANGUAGE_REQUEST.search(stripped)),
                is_hypothetical=bool(_HYPOTHETICAL.search(chunk)),
            )
        )
    return sentences


_JOINT_SUBJECT = re.compile(r"^[^\W\d_][\w'-]*\s+and\s+I\b", re.IGNORECASE)


def split_clauses(sentence: str) -> list[str]:
    """Split a sentence into first-person clauses; a shared subject is made explicit."""
    body = sentence.rstrip(" .!?")
    # "Mia and I broke up": a joint subject is one subject, not a clause break.
    pair = _JOINT_SUBJECT.match(body)
    parts = [f"I{body[pair.end() :]}" if pair else body]
    for pattern in _CLAUSE_BREAKS:
        parts = [piece for part in parts for piece in pattern.split(part)]
    if pair:
        parts[0] = pair.group(0) + parts[0][1:]
    clauses: list[str] = []
    for part in parts:
        pieces = _SHARED_SUBJECT_BREAK.split(part)
        clauses.append(pieces[0])
        clauses.extend(f"I {piece}" for piece in pieces[1:])
    return [clause.strip(" ,") for clause in clauses if clause.strip(" ,")]


def strip_discourse_prefix(clause: str) -> str:
    """Drop leading fillers ("Well, actually, …") so rules can anchor at the subject."""
    return _DISCOURSE_PREFIX.sub("", clause).strip()


# Telegraphic profiles use the third person: "works at a bakery in leeds".
_THIRD_PERSON = re.compile(
    r"^(works|lives|loves|hates|likes|enjoys|speaks|plays|studies|teaches)\b", re.IGNORECASE
)
_BASE_FORMS = {"studies": "study", "teaches": "teach"}


def restore_subject(clause: str, *, sentence_start: bool) -> str:
    """Make the first-person subject explicit ("Love hiking" → "I love hiking", "we" → "I")."""
    restored = _WE_ARE.sub("I am ", _WE.sub("I ", clause))
    if sentence_start and (verb := _THIRD_PERSON.match(restored)):
        word = verb.group(1).casefold()
        restored = f"I {_BASE_FORMS.get(word, word[:-1])}{restored[verb.end() :]}"
    if sentence_start:
        for pattern, subject in _DROPPED_SUBJECT:
            if pattern.match(restored):
                restored = subject + restored
                break
    return _AUXILIARY_ADVERB.sub(r"\1 ", restored)


# --- time phrases --------------------------------------------------------------------

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "a few": 3, "few": 3, "several": 3, "a couple of": 2, "couple of": 2, "a couple": 2,
}  # fmt: skip
_UNIT_DAYS = {"day": 1, "week": 7, "weekend": 7, "month": 30, "year": 365, "decade": 3650}
_SEASON_DAYS = {"spring": 180, "summer": 180, "fall": 180, "autumn": 180, "winter": 180}
_AMOUNT = r"(\d{1,3}|a few|a couple of|a couple|couple of|few|several|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"  # noqa: E501
_AGO = re.compile(rf"\b{_AMOUNT}\s+(day|week|month|year|decade)s?\s+ago\b", re.IGNORECASE)
_LAST = re.compile(
    r"\blast\s+(week|weekend|month|year|spring|summer|fall|autumn|winter|night)\b", re.IGNORECASE
)
_YESTERDAY = re.compile(r"\byesterday\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:in|since|back in|from)\s+((?:19|20)\d\d)\b", re.IGNORECASE)
_DURATION = re.compile(
    rf"\bfor\s+(?:the\s+(?:past|last)\s+|about\s+|almost\s+|nearly\s+|over\s+)?{_AMOUNT}"
    r"\s+(day|week|month|year|decade)s?\b",
    re.IGNORECASE,
)
FUTURE_MARKER = re.compile(
    r"\b(?:next\s+(?:week|weekend|month|year|spring|summer|fall|autumn|winter)|tomorrow|soon"
    r"|in the future|later this year|someday|one day)\b",
    re.IGNORECASE,
)


def _amount(word: str) -> int:
    lowered = word.casefold()
    return int(lowered) if lowered.isdigit() else _NUMBER_WORDS.get(lowered, 1)


def event_time(clause: str, observed_at: datetime) -> datetime:
    """When the clause says something happened ("last month", "in 2019"), else ``observed_at``.

    Relative phrases are approximate (a month is 30 days) but deterministic; a time after
    ``observed_at`` is never returned.
    """
    if match := _AGO.search(clause):
        days = _amount(match.group(1)) * _UNIT_DAYS[match.group(2).casefold()]
        return earlier_by(observed_at, timedelta(days=days))
    if match := _LAST.search(clause):
        unit = match.group(1).casefold()
        days = _SEASON_DAYS.get(unit) or _UNIT_DAYS.get(unit, 1)
        return earlier_by(observed_at, timedelta(days=days))
    if _YESTERDAY.search(clause):
        return earlier_by(observed_at, timedelta(days=1))
    if match := _YEAR.search(clause):
        start = observed_at.replace(
            year=int(match.group(1)), month=1, day=1, hour=0, minute=0, second=0, microsecond=0
        )
        if start <= observed_at:
            return start
    return observed_at


def ongoing_since(clause: str, observed_at: datetime) -> datetime:
    """Start of an ongoing state ("for 5 years", "since 2019"), else :func:`event_time`."""
    if match := _DURATION.search(clause):
        days = _amount(match.group(1)) * _UNIT_DAYS[match.group(2).casefold()]
        return earlier_by(observed_at, timedelta(days=days))
    return event_time(clause, observed_at)
