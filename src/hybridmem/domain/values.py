"""Value clipping and validation for the rule extractor.

A rule captures "the rest of the clause" after its verb; this module cuts that down to the
value ("Mumbai last month" → "Mumbai"), splits lists ("chess, tennis and golf"), and
refuses values that name nothing worth remembering ("it", "a small town", "my job").
"""

from __future__ import annotations

import re
from enum import StrEnum

from hybridmem.domain import lexicon
from hybridmem.domain.demonyms import WORKPLACES, demonym
from hybridmem.domain.text import clean_display, normalize_text


class ValueKind(StrEnum):
    """How a captured value is clipped and validated."""

    PLACE = "place"
    ORGANISATION = "organisation"
    ROLE = "role"
    THING = "thing"
    LANGUAGE = "language"
    DIET = "diet"
    DATE = "date"
    AGE = "age"
    FIELD = "field"


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_AMOUNT = (
    r"(?:\d{1,3}|a few|a couple of|a couple|several|many|an?|one|two|three|four|five|six"
    r"|seven|eight|nine|ten|eleven|twelve)"
)
_UNIT = r"(?:days?|weeks?|months?|years?|decades?)"
_COMMON_STOPS = (
    r"[;:()\[\]!?]|\s[-–—]\s|\.(?:\s|$)"
    r"|\b(?:because|but|since|when|whenever|while|where|who|whom|which|whose|that|so"
    r"|though|although|unless|until|till|whereas|btw|lol|haha|tbh|now|these days|nowadays"
    r"|currently|right now|at the moment|at present|any ?more|yesterday|today|tonight"
    r"|recently|lately|already|too|as well|also|a lot|very much|so much|really much|the most"
    rf"|{_AMOUNT} {_UNIT} ago|last (?:week|weekend|month|year|spring|summer|fall|autumn|winter"
    r"|night)|this (?:year|month|week)|for (?:the )?(?:past|last)"
    r"|for (?:about|almost|nearly|over|around|more than)\b"
    rf"|for {_AMOUNT} {_UNIT}|since (?:19|20)\d\d|in (?:19|20)\d\d|back in"
    r"|with (?:my|his|her|their|our|the family|family|friends|a friend|roommates?)"
    r"|every \w+|everyday|daily|weekly|(?:once|twice|\w+ times) (?:a|per) \w+"
    r"|sometimes|often|usually|always|on weekends|on the weekends?|in my (?:free|spare) time"
    r"|for fun|as a hobby|by profession|by trade|full[- ]time|part[- ]time|and (?:i|my)"
    r"|whenever i can|quite a bit|big time|like crazy|to death|before|after|here|there"
    r"|originally|online|remotely|professionally|competitively|together|alone|casually"
    r"|regularly|religiously|mostly|anyway|honestly|still|instead|sadly|unfortunately"
    r"|luckily|thankfully|fortunately|obviously|at (?:the )?weekends?"
    r"|on (?:mon|tues|wednes|thurs|fri|satur|sun)days?"
    # "football sunday league", "five-a-side on thursday nights"
    r"|(?:mon|tues|wednes|thurs|fri|satur|sun)days?(?=\s+(?:league|nights?|mornings?"
    r"|afternoons?|evenings?)\b|\s*(?:,|$))|(?:local|amateur|pub|club|weekend) league"
    r"|most (?:weekends|days|evenings|mornings|nights|weeks)|atm|rn|for now|for ages"
    r"|most of|all of|half of|in the (?:spring|summer|autumn|fall|winter)"
    r"|in (?:january|february|march|april|may|june|july|august|september|october|november"
    r"|december)|over (?:christmas|easter|the (?:summer|winter|holidays|weekend)))\b"
)
_KIND_STOPS = {
    ValueKind.PLACE: r",|\b(?:and|or|with|near|for|as|on|at|from|to|after|before|during|my"
    r"|because|in (?:a|an|the|my)|which|is|are|was)\b",
    ValueKind.ORGANISATION: r",|\b(?:and|or|with|near|for|as|on|at|from|to|after|before|my"
    r"|during|in|doing|since|is|are|was|which)\b",
    ValueKind.ROLE: r",|\b(?:at|in|for|with|by|and|or|from|based|working|specializing"
    r"|specialising|who|on|since|is|are|was)\b",
    ValueKind.THING: r"\b(?:(?:in|at|on|with) (?:a|an|the|my|our|his|her|their)"
    r"|more|better|rather|over|than|instead of|compared to|except"
    r"|apart from|in general|in particular|a ton|as much as|is|are|was|were)\b",
    ValueKind.LANGUAGE: r"\b(?:more|better|than|at|in|from|during|with|to|is|are|was|fluently|well"
    r"|natively|poorly|badly|somewhat|perfectly|quite)\b|\s+(?:a little|a bit)(?=\s*$|[,.;])",
    ValueKind.DATE: r",(?!\s*\d)|\(|\b(?:and|so|which|is)\b",
    ValueKind.AGE: r"\b(?:and)\b",
    ValueKind.DIET: r",|\b(?:and|diet|food)\b",
    ValueKind.FIELD: r",|\b(?:and|at|from|in (?:a|an|the|my)|with|for|is|are|was)\b",
}
_STOPS = {kind: _compile(rf"(?:{_COMMON_STOPS}|{extra})") for kind, extra in _KIND_STOPS.items()}

_ABBREVIATION_DOT = "\u2024"  # stands in for the dot of "St." so it does not end the value
_ABBREVIATIONS = ("St.", "Mt.", "Dr.", "Jr.", "Sr.", "Co.", "Inc.", "Ltd.")
_TITLE_ABBREVIATION = re.compile(r"\b(St|Mt|Dr|Mr|Mrs|Ms|Jr|Sr|Co|Inc|Ltd|Prof)\.")
_COMPOUND_JOINER = "\u2060"  # word joiner: keeps "rock and roll" whole while splitting
_COMPOUNDS = _compile(
    r"\b(?:"
    + "|".join(sorted(map(re.escape, lexicon.COMPOUND_NAMES), key=len, reverse=True))
    + r")\b"
)
_LIST_SEPARATOR = _compile(
    r"\s*,\s*(?:and\s+|or\s+|&\s+)?|\s+(?:and|or|&|plus|as well as|along with|and also|nor)\s+"
    r"|\s*/\s*"
)
# A comma piece starting like a clause or a comment is not another item of the list.
_AFTERTHOUGHT = _compile(
    r"^(?:they|it|he|she|we|you|i|this|that|these|those|there|which|who|been|being|was|were"
    r"|is|are|have|has|had|went|go|gives?|makes?|can|cannot|could|would|will|so|such|even"
    r"|especially|mostly|mainly|not|never|no|always|ever|esp|like|the\s+\w+er\b|the\s+more"
    r"|the\s+less|[^\W\d_]+ed\b|[^\W\d_]+ly\b)"
)
_LIST_CLOSER = _compile(r"\b(?:and|or|plus|nor|as well as|along with)\b|&")
_QUANTIFIERS = _compile(
    r"^(?:(?:all kinds of|all sorts of|all types of|any kind of|many kinds of|different kinds of"
    r"|a lot of|lots of|a bit of|a little bit of|a little|loads of|tons of|plenty of|some"
    r"|most|many|both|all|pretty much all|pretty much|especially|mostly|mainly|also|really"
    r"|just|only|good|great|fresh|certain|various"
    r"|an?\s+(?:good\s+|nice\s+|hot\s+|cold\s+|big\s+)?(?:cup|glass|mug|bowl|plate|slice|pint"
    r"|bottle|piece|bar)\s+of)\s+)+"
)
_LANGUAGE_MODIFIERS = _compile(
    r"^(?:(?:fluent|basic|native|conversational|broken|decent|fairly good|good|some|a little"
    r"|a bit of|a little bit of|little|very|perfect|intermediate|beginner|advanced|a|an"
    r"|and|also|both|pretty good|okay|ok|bad|poor|elementary|some|the)\s+)+"
)
_DETERMINERS = frozenset(
    {
        "a", "an", "my", "your", "his", "her", "their", "our", "its", "this", "that", "these",
        "those", "some", "any", "every", "each", "no", "it", "there", "here", "which", "what",
        "whatever", "to", "not", "of", "in", "at", "on", "for", "with", "about", "when", "how",
        "where", "why", "if", "so", "very", "too", "one", "being", "doing",
    }
)  # fmt: skip
_MENTAL_GERUNDS = frozenset(
    {"thinking", "saying", "believing", "knowing", "imagining", "being", "pretending",
     "assuming", "seeing", "hearing", "mentioning", "telling", "asking", "having", "getting"}
)  # fmt: skip
_PLACE_NOISE = frozenset(
    {"team", "department", "class", "group", "club", "family", "company", "office", "job",
     "meeting", "party", "trip", "vacation", "holiday", "store", "shop", "mall", "gym",
     "luxury", "poverty", "comfort", "style", "chaos", "limbo", "misery", "debt", "hiding",
     "shape", "love", "trouble", "charge", "line", "bed", "hospital", "school", "work"}
)  # fmt: skip
_NOT_NAMES = frozenset(
    {"the", "a", "an", "not", "just", "back", "here", "there", "new", "fine", "good", "great",
     "sorry", "happy", "sad", "tired", "sure", "so", "very", "really", "called", "named",
     "from", "in", "at", "on", "okay", "ok", "well", "glad", "excited", "bored", "busy",
     "hungry", "ready", "done", "home", "old", "young", "single", "married", "free", "alive",
     "also", "still", "always", "only", "your", "my", "his", "her", "their", "our", "that",
     "this", "it", "what", "who", "whatever", "nobody", "somebody", "someone", "none", "one",
     "human", "male", "female", "man", "woman", "boy", "girl", "guy", "person", "student",
     "teacher", "doctor", "indian", "american", "british", "english", "french", "german",
     "chinese", "japanese", "italian", "spanish", "canadian", "australian", "mexican",
     "brazilian", "russian", "korean", "pakistani", "bangladeshi", "nepali", "irish",
     "scottish", "dutch", "swedish", "african", "european", "asian", "muslim", "hindu",
     "christian", "jewish", "sikh", "buddhist", "atheist", "vegetarian", "vegan", "cool",
     "awesome", "amazing", "nice", "kind", "sweet", "lovely", "beautiful", "wonderful",
     "smart", "funny", "sick", "ill", "better", "worse", "late", "early", "available",
     "you", "me", "him", "us", "them", "i", "yes", "no", "hi", "hello", "hey", "thanks",
     "tomorrow", "today", "tonight", "later", "anytime", "sometime", "whenever", "soon",
     "pregnant", "pleased", "honored", "proud", "lucky", "blessed", "curious", "confused"}
)  # fmt: skip
_NAME_PARTICLES = frozenset({"de", "van", "von", "da", "al", "bin", "le", "la", "del", "der"})
_NAME_TOKEN = re.compile(r"^[^\W\d_][\w'.-]*$")
_ADJECTIVE_ENDINGS = ("ing", "ed", "ly", "ful", "ous", "ive", "able", "ible")
_MONTH = _compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b|\d"
)
_SMALL_WORDS = frozenset({"of", "the", "and", "de", "la", "upon", "on", "in", "da", "du"})
_DURATION_VALUE = _compile(rf"^{_AMOUNT}\s+{_UNIT}$")
_DIET_LOOKUP = {normalize_text(word): canonical for word, canonical in lexicon.DIETS.items()}
_SINGULAR = re.compile(r"(?<=[^s])s$")


# "a small town called Tralee": the name, not the description, is the value.
_CALLED_PLACE = _compile(
    r"^(?:a|an|the)\s+(?:[\w-]+\s+){0,2}?(?:town|city|village|suburb|island|place|area"
    r"|neighbou?rhood|company|firm|startup|shop|restaurant|cafe|band)\s+(?:called|named)\s+"
    # "a tiny flat in Glasgow": the home is described, the place is the value
    r"|^(?:a|an|the|my|our)\s+(?:[\w-]+\s+){0,2}?(?:flat|apartment|house|studio|room|bedsit"
    r"|condo|cottage|houseboat|dorm|hostel)\s+(?:in|near|outside)\s+"
)


def clip_value(raw: str, kind: ValueKind) -> str:
    """Cut a captured tail at the first word that cannot belong to a value of ``kind``."""
    if kind in (ValueKind.PLACE, ValueKind.ORGANISATION):
        raw = _CALLED_PLACE.sub("", raw.strip())
    protected = _COMPOUNDS.sub(lambda m: m.group(0).replace(" ", _COMPOUND_JOINER), raw)
    protected = _TITLE_ABBREVIATION.sub(lambda m: m.group(1) + _ABBREVIATION_DOT, protected)
    match = _STOPS[kind].search(protected)
    clipped = protected[: match.start()] if match else protected
    restored = clipped.replace(_COMPOUND_JOINER, " ").replace(_ABBREVIATION_DOT, ".")
    return restored.strip(" ,-").rstrip(".") if not restored.endswith(_ABBREVIATIONS) else restored


def drop_afterthought(text: str) -> str:
    """Cut a list of things at a comma that starts a remark rather than another item.

    "…, they give me nightmares", "…, the hotter the better", "…, been twice" are remarks;
    so is a lone second comma piece with no "and"/"or" ("football, centre back").
    """
    pieces = text.split(",")
    if len(pieces) < 2:
        return text
    for index, piece in enumerate(pieces[1:], start=1):
        if _AFTERTHOUGHT.match(piece.strip()):
            return ",".join(pieces[:index])
    # "spicy food, the hotter …": two pieces and no "and"/"or" is a remark, not a list
    # ("I have a daughter, Zara": a capitalized piece is a name in apposition, kept)
    second = pieces[1].strip()
    # ("hiking, camping": two activities of one kind are a list)
    activities = all(piece.split()[-1].endswith("ing") for piece in pieces if piece.split())
    if len(pieces) == 2 and second[:1].islower() and not _LIST_CLOSER.search(second):
        return text if activities else pieces[0]
    return text


# An allergy's severity is not the allergen ("severe tree nut allergy" → tree nuts).
_SEVERITY = _compile(
    r"^(?:(?:a|an|my|severe|severely|mild|mildly|bad|serious|slight|minor|major|strong|really"
    r"|very|deadly|deathly|life[- ]threatening|anaphylactic|extreme|real|massive|nasty)\s+)+"
)
# Count nouns named in the singular before "allergy" ("peanut allergy"); the allergen is the
# plural ("peanuts"), while mass nouns ("shellfish", "pollen", "dust") stay as they are.
_COUNT_ALLERGENS = _compile(
    r"^(?:(?:[\w-]+\s+)?nut|peanut|egg|cat|dog|bee|wasp|seed|sesame seed|kiwi|horse|rabbit"
    r"|mango|banana|apple|peach|almond|cashew|walnut|hazelnut|pistachio|mushroom)$"
)


def allergen(value: str) -> str:
    """An allergy's value without its severity, a singular count noun made plural."""
    plain = _SEVERITY.sub("", value).strip()
    if not plain:
        return value
    if _COUNT_ALLERGENS.match(plain):
        return f"{plain}s"
    return plain


def split_items(text: str) -> list[str]:
    """Split "chess, tennis and golf" into items; known compounds stay whole."""
    protected = _COMPOUNDS.sub(lambda m: m.group(0).replace(" ", _COMPOUND_JOINER), text)
    items = (
        item.replace(_COMPOUND_JOINER, " ").strip() for item in _LIST_SEPARATOR.split(protected)
    )
    return [item for item in items if item]


def to_gerund(item: str) -> str:
    """ "to cook" → "cooking", "play chess" → "playing chess" (for infinitive objects)."""
    words = item.strip().split()
    if words and words[0].casefold() == "to":
        words = words[1:]
    if not words:
        return item
    verb = words[0].casefold()
    if verb.endswith("ie"):
        gerund = verb[:-2] + "ying"
    elif verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")) and len(verb) > 2:
        gerund = verb[:-1] + "ing"
    elif (
        len(verb) <= 4
        and re.fullmatch(r"[^aeiou]*[aeiou][^aeiouwxy]", verb) is not None
        and not verb.endswith(("ing",))
    ):
        gerund = verb + verb[-1] + "ing"
    else:
        gerund = verb + "ing"
    return " ".join([gerund, *words[1:]])


def is_casual(text: str) -> bool:
    """True when the message is typed in lower case (ignoring "I" and sentence starts)."""
    without_i = re.sub(r"\bI\b", "", text)
    without_starts = re.sub(r"(^|[.!?\n]\s*)\W*[A-Z]", r"\1", without_i)
    return not any(char.isupper() for char in without_starts)


def _title(value: str) -> str:
    words = value.split()
    return " ".join(
        word if index and word.casefold() in _SMALL_WORDS else word[:1].upper() + word[1:]
        for index, word in enumerate(words)
    )


def _proper_noun(display: str, *, casual: bool, max_words: int) -> str | None:
    words = display.split()
    first = normalize_text(words[0]) if words else ""
    normalized = normalize_text(display)
    if not words or len(words) > max_words or first in _DETERMINERS:
        return None
    if _DURATION_VALUE.match(normalized):
        return None  # "for two years" is a duration, not an employer
    if normalized in lexicon.GENERIC_OBJECTS:
        return None
    if first == "the":
        # "the Netherlands" names a place; "the hospital" does not.
        if len(words) < 2 or not words[1][:1].isupper():
            return None
        return display
    if casual:
        if any(word in _PLACE_NOISE for word in normalized.split()):
            return None
        return _title(display) if display == display.lower() else display
    return display if (words[0][:1].isupper() or words[0][:1].isdigit()) else None


def _workplace(display: str) -> str | None:
    """ "a bakery", "a small law firm": a workplace named by its kind (article kept)."""
    words = normalize_text(display).split()
    if 2 <= len(words) <= 4 and words[0] in {"a", "an"} and words[-1] in WORKPLACES:
        return display[:1].lower() + display[1:]
    return None


def _role(display: str, *, strict: bool) -> str | None:
    text = re.sub(r"^(?:a|an)\s+", "", display, flags=re.IGNORECASE)
    normalized = normalize_text(text)
    words = normalized.split()
    if not words or len(words) > 5 or words[0] in _DETERMINERS:
        return None
    head = _SINGULAR.sub("", words[-1])
    known = normalized in lexicon.OCCUPATIONS or head in lexicon.OCCUPATIONS
    if strict and not known:
        return None
    return text


def _thing(display: str, kind: ValueKind) -> str | None:
    text = _QUANTIFIERS.sub("", display).strip()
    if kind is ValueKind.FIELD:
        text = re.sub(r"^(?:the)\s+", "", text, flags=re.IGNORECASE)
    normalized = normalize_text(text)
    words = normalized.split()
    if not words or len(words) > 6:
        return None
    if words[0] in _DETERMINERS or normalized in lexicon.NON_PREFERENCE_OBJECTS:
        return None
    if words[0] in _MENTAL_GERUNDS:
        return None
    if kind is ValueKind.FIELD and words[0] in {"hard", "late", "alone", "online", "abroad"}:
        return None
    return text


def validate_value(
    value: str, kind: ValueKind, *, casual: bool, strict_role: bool = True
) -> str | None:
    """The display form of ``value`` when it is a plausible value of ``kind``, else None."""
    display = clean_display(value)
    if not display:
        return None
    normalized = normalize_text(display)
    if kind is ValueKind.PLACE:
        return _proper_noun(display, casual=casual, max_words=5)
    if kind is ValueKind.ORGANISATION:
        return _proper_noun(display, casual=casual, max_words=6) or _workplace(display)
    if kind is ValueKind.ROLE:
        return _role(display, strict=strict_role)
    if kind in (ValueKind.THING, ValueKind.FIELD):
        return _thing(display, kind)
    if kind is ValueKind.LANGUAGE:
        language = normalize_text(_LANGUAGE_MODIFIERS.sub("", display))
        if language.endswith(" language") and language != "sign language":
            language = language.removesuffix(" language")
        return language.capitalize() if language in lexicon.LANGUAGES else None
    if kind is ValueKind.DIET:
        return _DIET_LOOKUP.get(normalized)
    if kind is ValueKind.DATE:
        words = display.split()
        if (canonical := canonical_date(display)) is not None:
            return canonical
        # "coming up on 21 october", "is soon, the 3rd of May": the date inside the words
        if (inner := _DATE_INSIDE.search(display)) and (found := canonical_date(inner[0])):
            return found
        return display if _MONTH.search(display) and len(words) <= 6 else None
    if kind is ValueKind.AGE:
        return display if display.isdigit() and 0 < int(display) < 120 else None
    return None  # pragma: no cover - every kind is handled above


_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_MONTH_NUMBER = {name[:3].casefold(): index for index, name in enumerate(_MONTH_NAMES, 1)}
_MONTH_WORD = r"(?P<m>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DAY = r"(?P<d>[0-3]?\d)(?:st|nd|rd|th)?"
_DATE_FORMS = (
    _compile(rf"^(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH_WORD}$"),
    _compile(rf"^{_MONTH_WORD}\s+(?:the\s+)?{_DAY}$"),
    _compile(r"^(?P<d>[0-3]?\d)[/.-](?P<n>[01]?\d)$"),  # day first, as most of the world writes
)
_DATE_INSIDE = _compile(
    r"\b(?:the\s+)?[0-3]?\d(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep"
    r"|oct|nov|dec)[a-z]*\.?(?=\W|$)|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"[a-z]*\.?\s+(?:the\s+)?[0-3]?\d(?:st|nd|rd|th)?\b"
)
#: Days people name instead of dating them ("I was born on Christmas Day").
_NAMED_DAYS = {
    "christmas day": "December 25", "christmas": "December 25", "christmas eve": "December 24",
    "new year's day": "January 1", "new years day": "January 1", "new year's eve": "December 31",
    "valentine's day": "February 14", "valentines day": "February 14",
    "halloween": "October 31", "boxing day": "December 26", "leap day": "February 29",
}  # fmt: skip


def canonical_date(text: str) -> str | None:
    """A day of the year as "Month D" ("5th of november", "14/02", "Christmas Day"), so one
    birthday has one form whichever way it was written; None when ``text`` is not one."""
    plain = " ".join(text.strip(" .,!").split())
    if (named := _NAMED_DAYS.get(plain.casefold().removeprefix("the "))) is not None:
        return named
    for pattern in _DATE_FORMS:
        if match := pattern.match(plain):
            groups = match.groupdict()
            month = int(groups["n"]) if groups.get("n") else _MONTH_NUMBER[groups["m"].casefold()]
            day = int(groups["d"])
            if 1 <= month <= 12 and 1 <= day <= 31:
                return f"{_MONTH_NAMES[month - 1]} {day}"
    return None


def name_value(raw: str, *, casual: bool, explicit: bool) -> str | None:
    """A person's or pet's name at the start of ``raw`` (up to three words), or None.

    ``explicit`` is True after "my name is" / "is called": then a lower-case name in a
    casual message is accepted; after a bare "I'm …" it must look like a name.
    """
    tokens: list[str] = []
    for token in clean_display(raw).split():
        bare = token.strip(",.!?;:")
        if not _NAME_TOKEN.match(bare) or len(tokens) == 3:
            break
        lowered = bare.casefold()
        if tokens and lowered in _NAME_PARTICLES:
            tokens.append(bare)
            continue
        if not bare[:1].isupper() and not casual:
            break
        if casual and tokens and lowered in _NOT_NAMES | _DETERMINERS:
            break
        tokens.append(bare)
        if token != bare:
            break
    if not tokens or tokens[-1].casefold() in _NAME_PARTICLES:
        return None
    first = tokens[0].casefold()
    if first in _NOT_NAMES or first in _DETERMINERS or demonym(" ".join(tokens)):
        return None  # "my cousin is Kenyan" names a nationality, not the cousin
    if not explicit and (first.endswith(_ADJECTIVE_ENDINGS) or first in lexicon.OCCUPATIONS):
        return None
    if casual:
        if not explicit and len(tokens) > 1:
            return None
        return " ".join(token[:1].upper() + token[1:] for token in tokens)
    return " ".join(tokens)
