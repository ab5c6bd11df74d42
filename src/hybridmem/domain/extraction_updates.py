"""Extraction rules about change: endings, new roles and homes, nationality, profile lines.

See :mod:`hybridmem.domain.extraction` for how rules are applied and
:mod:`hybridmem.domain.temporal` for what an ending (``Revision.ENDING``) does: it closes
the matching current fact and records nothing when there is none, so "Rex passed away" may
safely be read as "a pet or a relative named Rex".
"""

from __future__ import annotations

import re

from hybridmem.domain import lexicon
from hybridmem.domain.attributes import Attribute
from hybridmem.domain.demonyms import demonym
from hybridmem.domain.extraction_support import (
    ANIMALS,
    DIET,
    END,
    FAMILY,
    KIN_ADJ,
    SPECIES,
    Clause,
    Found,
    capture,
    capture_name,
    compile_ci,
    i_pattern,
)
from hybridmem.domain.facts import Revision
from hybridmem.domain.text import normalize_text
from hybridmem.domain.values import ValueKind, name_value, split_items

# --- nationality -------------------------------------------------------------------------

_NATIONALITY = compile_ci(
    r"^i\s+am\s+(?:(?:also|now|officially|finally|actually|both|a|an|proud|fully)\s+)*"
    r"(?P<v>[^\W\d_][\w.]*(?:\s+[^\W\d_]+)??)"
    r"(?:\s+(?:citizen|national|by\s+birth))?(?P<home>\s+(?:living|based)\s+in\s+.+)?$"
)
_PASSPORT = i_pattern(
    r"hold|have|carry|got|have\s+got|was\s+granted|got\s+granted",
    r"\s+(?:a\s+|an\s+|my\s+)?(?P<v>[^\W\d_]+(?:\s+[^\W\d_]+)?)\s+(?:passport|citizenship"
    r"|nationality)$",
)


def nationality_rule(clause: Clause) -> list[Found] | None:
    """ "I'm Kenyan", "I am a French citizen", "I hold a Japanese passport"."""
    for pattern in (_NATIONALITY, _PASSPORT):
        if (match := pattern.match(clause.text)) and (value := demonym(match.group("v"))):
            # "I'm a Ghanaian living in Johannesburg": and where
            home = match.groupdict().get("home")
            where = home.split(" in ", 1)[1] if home else None
            place = capture(clause, where, ValueKind.PLACE, Attribute.LOCATION, ongoing=True)
            return [Found(Attribute.NATIONALITY, value), *place]
    return None


# --- endings ------------------------------------------------------------------------------

_DIED = compile_ci(
    rf"^(?:(?:my|our)\s+{KIN_ADJ}(?:(?P<sp>{SPECIES})|(?P<kin>{FAMILY}))(?:\s*,)?\s+)?"
    r"(?:(?P<v>[^\W\d_][\w'-]*)(?:\s*,)?\s+)?(?:sadly\s+|just\s+|recently\s+|finally\s+)?"
    r"(?:passed\s+away|passed|died|was\s+put\s+down|was\s+put\s+to\s+sleep"
    r"|is\s+no\s+longer\s+with\s+us|crossed\s+the\s+rainbow\s+bridge)\b"
)
_PARTNERS_PARTED = compile_ci(
    r"^(?:(?P<a>[^\W\d_][\w'-]*)\s+and\s+i|(?:i|me)\s+and\s+(?P<b>[^\W\d_][\w'-]*))\s+"
    r"(?:have\s+|just\s+|finally\s+)*(?:broke\s+up|broken\s+up|split\s+up|split|separated"
    r"|divorced|got\s+divorced|are\s+over|called\s+it\s+off)\b"
    r"|^i\s+(?:have\s+|just\s+)*(?:broke\s+up|broken\s+up|split\s+up|split)\s+(?:up\s+)?with"
    r"\s+(?P<c>[^\W\d_][\w'-]*)"
)
_WED = compile_ci(
    r"^(?P<v>[^\W\d_][\w'-]*)\s+and\s+i\s+(?:have\s+|just\s+|finally\s+|officially\s+)*"
    r"(?:got|are|have\s+been)\s+(?P<s>married|engaged)\b"
)
_LEFT = i_pattern(
    r"left|quit|have\s+left|have\s+quit|resigned\s+from|walked\s+away\s+from",
    r"\s+(?:my\s+(?:job|position|role)\s+(?:at|with)\s+)?(?P<v>.+)$",
)
_STOPPED = i_pattern(
    r"stopped|gave\s+up|have\s+stopped|have\s+given\s+up|quit|dropped",
    r"\s+(?P<v>[^\W\d_]+ing\b.*)$",
)
# "I gave up yoga": an ending only closes a stored hobby or like of that name, so any
# object is safe to offer (nothing is recorded when none matches).
_GAVE_UP = i_pattern(
    r"gave\s+up|have\s+given\s+up|stopped|have\s+stopped|quit|dropped",
    r"\s+(?:on\s+)?(?:doing\s+|playing\s+)?(?!(?:by|off|at|in|for|to|with|after)\b)(?P<v>.+)$",
)
_LAID_OFF = i_pattern(
    r"(?:got|was|have\s+been|just\s+got)\s+(?:laid\s+off|let\s+go|fired|sacked"
    r"|made\s+redundant)",
    r"\s+(?:from|at|by)\s+(?P<v>.+)$",
)
_REHOMED = i_pattern(
    r"rehomed|had\s+to\s+rehome|have\s+rehomed|gave\s+away|had\s+to\s+give\s+away"
    r"|had\s+to\s+give\s+up",
    r"\s+(?:my\s+|our\s+)?(?:(?P<sp>" + SPECIES + r")\s*,?\s*)?(?P<v>[^\W\d_][\w'-]*)?.*$",
)
_MEAT_AGAIN = i_pattern(
    r"eat|am\s+eating|have\s+started\s+eating|started\s+eating|am\s+back\s+on",
    r"\s+(?:meat|chicken|beef|pork|steak)(?:\s+again|\s+now|\s+too)*(?:\s*,.*)?$",
)
_OUTGROWN = i_pattern(
    r"have\s+outgrown|outgrew|am\s+no\s+longer\s+allergic\s+to|am\s+not\s+allergic\s+to"
    r"\s+\w+\s+any\s?more|got\s+over",
    r"\s+(?:the\s+|my\s+)?(?P<v>[\w -]+?)(?:\s+allergy)?(?:\s+any\s?more)?$",
)
_NOT_ANY_MORE = i_pattern(
    r"(?:do\s+not|no\s+longer|never)\s+(?:really\s+|even\s+)?(?P<verb>play|do|practi[sc]e|go)",
    r"\s+(?P<v>.+?)\s*(?:any\s?more|these\s+days|now)?$",
)
_ENDED = compile_ci(r"\b(?:no\s+longer|any\s?more)\b")
_NO_LONGER_ROLE = i_pattern(r"am\s+(?:no\s+longer|not)\s+(?:a|an)", r"\s+(?P<v>.+?)\s+any\s?more$")
# "I'm not vegan anymore": a negated diet closes the stored one and is never recorded itself
_NOT_DIET = i_pattern(r"am\s+(?:no\s+longer|not)\s+(?:a\s+|an\s+)?", rf"(?P<v>{DIET}){END}")
_NAMED_ONES = (Attribute.PET, Attribute.FAMILY_MEMBER, Attribute.PARTNER)


def _ending(attribute: Attribute, value: str, qualifier: str | None = None) -> Found:
    return Found(attribute, value, qualifier, current=False, revision=Revision.ENDING)


def _died(clause: Clause, match: re.Match[str]) -> list[Found]:
    name = match.group("v")
    # the subject of "passed away" is a name even when it looks like a word ("Olive")
    named = name_value(name, casual=clause.casual, explicit=True) if name else None
    if species := match.group("sp"):
        canonical = ANIMALS[species.casefold()]
        return [_ending(Attribute.PET, named or canonical)]
    if kin := match.group("kin"):
        relation = lexicon.FAMILY_RELATIONS[kin.casefold()]
        return [_ending(Attribute.FAMILY_MEMBER, named or relation)]
    return [_ending(attribute, named) for attribute in _NAMED_ONES] if named else []


def ending_rule(clause: Clause) -> list[Found] | None:
    """ "Rex passed away", "Mia and I broke up", "I left Barclays", "I stopped running",
    "I don't play tennis anymore"; and "Sam and I got married"."""
    text = clause.text
    if match := _DIED.match(text):
        return _died(clause, match) or None
    if _ENDED.search(text) and (match := _NOT_DIET.match(text)):
        diets = capture(clause, match.group("v"), ValueKind.DIET, Attribute.DIET)
        return [_ending(Attribute.DIET, found.value) for found in diets] or None
    if match := _PARTNERS_PARTED.match(text):
        raw = match.group("a") or match.group("b") or match.group("c")
        name = name_value(raw, casual=clause.casual, explicit=False)
        divorced = [Found(Attribute.RELATIONSHIP_STATUS, "divorced")] if "divorce" in text else []
        return [_ending(Attribute.PARTNER, name), *divorced] if name else divorced
    if match := _WED.match(text):
        status = match.group("s").casefold()
        found = [Found(Attribute.RELATIONSHIP_STATUS, status)]
        relation = "spouse" if status == "married" else "fiancé"
        partner = capture_name(
            clause, match.group("v"), Attribute.PARTNER, relation, explicit=False
        )
        return found + partner
    if match := _LEFT.match(text):
        raw = match.group("v")
        found = [
            _ending(attribute, item.value)
            for attribute, kind in (
                (Attribute.EMPLOYER, ValueKind.ORGANISATION),
                (Attribute.LOCATION, ValueKind.PLACE),
            )
            for item in capture(clause, raw, kind, attribute)
        ]
        return found or None
    if match := _LAID_OFF.match(text):
        found = capture(clause, match.group("v"), ValueKind.ORGANISATION, Attribute.EMPLOYER)
        return [_ending(Attribute.EMPLOYER, item.value) for item in found] or None
    if match := _MEAT_AGAIN.match(text):
        return [_ending(Attribute.DIET, diet) for diet in ("vegan", "vegetarian", "pescatarian")]
    if match := _OUTGROWN.match(text):
        found = capture(clause, match.group("v"), ValueKind.THING, Attribute.ALLERGIES)
        return [_ending(Attribute.ALLERGIES, item.value) for item in found] or None
    if match := _REHOMED.match(text):
        name = match.group("v")
        named = name_value(name, casual=clause.casual, explicit=True) if name else None
        if named is None or normalize_text(named) in ANIMALS:
            species = match.group("sp") or (name if name and name.casefold() in ANIMALS else None)
            return [_ending(Attribute.PET, ANIMALS[species.casefold()])] if species else None
        return [_ending(Attribute.PET, named)]
    if match := _STOPPED.match(text):
        activities = capture(clause, match.group("v"), ValueKind.THING, Attribute.HOBBIES)
        return [
            _ending(attribute, item.value)
            for item in activities
            for attribute in (Attribute.HOBBIES, Attribute.LIKES)
        ] or None
    if match := _GAVE_UP.match(text):
        items = capture(clause, match.group("v"), ValueKind.THING, Attribute.HOBBIES)
        return [
            _ending(attribute, item.value)
            for item in items
            for attribute in (Attribute.HOBBIES, Attribute.LIKES)
        ] or None
    if _ENDED.search(text):
        if match := _NOT_ANY_MORE.match(text):
            raw = match.group("v")
            if match.group("verb").casefold() == "go":
                raw = raw if raw.casefold().endswith("ing") else ""
            return capture(clause, raw, ValueKind.THING, Attribute.HOBBIES, current=False)
        if match := _NO_LONGER_ROLE.match(text):
            return capture(clause, match.group("v"), ValueKind.ROLE, Attribute.OCCUPATION,
                           current=False)  # fmt: skip
    return None


# --- new roles, employers and homes ---------------------------------------------------------

_BECAME = i_pattern(
    r"became|have\s+become|retrained\s+as|trained\s+as|qualified\s+as|got\s+promoted\s+to"
    r"|was\s+promoted\s+to|switched\s+careers?\s+to",
    r"\s+(?:a\s+|an\s+)?(?P<v>.+)$",
)
_STARTED_AT = i_pattern(
    r"started|began|have\s+started",
    r"\s+(?:working\s+|work\s+|a\s+(?:new\s+)?job\s+|my\s+(?:new\s+)?job\s+)?(?:at|with)"
    r"\s+(?P<v>.+?)(?:\s+as\s+(?P<role>.+))?$",
)
_HOME_NOW = compile_ci(
    r"^(?P<v>[^,]+?)\s+is\s+(?:my\s+)?home\s+(?:now|these\s+days|nowadays)$"
    r"|^(?P<w>[^,]+?)\s+is\s+home$"
    r"|^home\s+is\s+(?:now\s+)?(?P<x>[^,]+?)(?:\s+now|\s+these\s+days)?$"
    r"|^i\s+(?:now\s+)?call\s+(?P<y>[^,]+?)\s+home(?:\s+now)?$"
)
#: "I switched to padel": the value's attribute is the one of what just ended.
_SWITCHED = i_pattern(
    r"switched|have\s+switched|moved\s+on|changed|went\s+over|converted|went\s+back",
    r"\s+(?:over\s+)?to\s+(?P<v>.+)$",
)


def change_rule(clause: Clause) -> list[Found] | None:
    """ "I became a carpenter", "I started at Monzo", "I switched to padel"."""
    text = clause.text
    if match := _BECAME.match(text):
        return capture(clause, match.group("v"), ValueKind.ROLE, Attribute.OCCUPATION) or None
    if match := _STARTED_AT.match(text):
        found = capture(clause, match.group("v"), ValueKind.ORGANISATION, Attribute.EMPLOYER)
        if not found:
            return None
        return found + capture(clause, match.group("role"), ValueKind.ROLE, Attribute.OCCUPATION,
                               strict_role=False)  # fmt: skip
    if match := _SWITCHED.match(text):
        return [Found(Attribute.OTHER, match.group("v"), inherits=True)]
    return None


# "Work relocated me to Valencia", "my company transferred us to Leeds": moved by someone.
_MOVED_ME = compile_ci(
    r"^(?:work|my\s+(?:work|job|company|employer|firm|bank)|the\s+(?:company|firm))"
    r"\s+(?:relocated|moved|transferred|posted|sent)\s+(?:me|us)\s+(?:over\s+)?to\s+(?P<v>.+)$"
)


def home_rule(clause: Clause) -> list[Found] | None:
    """ "Lyon is home now", "home is Leeds", "I call Oslo home", "work moved me to Oslo"."""
    if match := _HOME_NOW.match(clause.text):
        raw = next(group for group in match.groups() if group)
        return capture(clause, raw, ValueKind.PLACE, Attribute.LOCATION) or None
    if match := _MOVED_ME.match(clause.text):
        return capture(clause, match.group("v"), ValueKind.PLACE, Attribute.LOCATION) or None
    return None


# --- several pets or relatives at once ("three cats: Tom, Jerry and Spike") ---------------

_COUNT = r"(?:two|three|four|five|six|seven|eight|nine|ten|\d{1,2})"
_PLURAL = rf"{KIN_ADJ}(?P<noun>{SPECIES}|{FAMILY})(?:s|es|ren)"
_HAVE_SEVERAL = i_pattern(
    r"have|have\s+got|got|own|adopted|rescued",
    rf"\s+{_COUNT}\s+{_PLURAL}\s*(?:[:,-]\s*|\s+(?:called|named)\s+)(?:(?:called|named"
    r"|they\s+are)\s+)?(?P<names>.+)$",
)
_MY_SEVERAL = compile_ci(
    rf"^(?:my|our)\s+(?:{_COUNT}\s+)?{_PLURAL}\s+(?:are\s+(?:called|named)|are)\s+(?P<names>.+)$"
)


def several_rule(clause: Clause) -> list[Found] | None:
    """ "I have two dogs, Max and Bella", "my two sons are called Ravi and Om"."""
    match = _HAVE_SEVERAL.match(clause.text) or _MY_SEVERAL.match(clause.text)
    if match is None:
        return None
    noun = match.group("noun").casefold()
    if noun in ANIMALS:
        attribute, qualifier = Attribute.PET, ANIMALS[noun]
    else:
        attribute, qualifier = Attribute.FAMILY_MEMBER, lexicon.FAMILY_RELATIONS[noun]
    found = []
    for item in split_items(match.group("names").strip(" .!")):
        if name := name_value(item, casual=clause.casual, explicit=True):
            found.append(Found(attribute, name, qualifier))
    return found or None


# --- telegraphic profile lines ("34, originally from Porto, now in Zurich, nurse") -----------

_FRAGMENTS: tuple[tuple[re.Pattern[str], Attribute, ValueKind], ...] = (
    (compile_ci(r"^(?P<v>\d{1,2})(?:\s*(?:y/?o|yrs?(?:\s+old)?|years?(?:\s+old)?))?$"),
     Attribute.AGE, ValueKind.AGE),
    (compile_ci(r"^(?:originally\s+|born\s+and\s+raised\s+in\s+|grew\s+up\s+in\s+)?from\s+(?P<v>.+)$"),
     Attribute.HOMETOWN, ValueKind.PLACE),
    (compile_ci(r"^(?:now\s+|currently\s+)?(?:living\s+|based\s+|live\s+|lives\s+|staying\s+"
                r"|residing\s+)?in\s+(?P<v>.+?)"
                r"(?:\s+now)?$"),
     Attribute.LOCATION, ValueKind.PLACE),
    (compile_ci(r"^(?:now\s+|currently\s+)?(?:working\s+)?(?:at|for)\s+(?P<v>.+?)(?:\s+now)?$"),
     Attribute.EMPLOYER, ValueKind.ORGANISATION),
    (compile_ci(r"^(?:a\s+|an\s+)?(?P<v>[^\W\d_][\w -]*)$"), Attribute.OCCUPATION, ValueKind.ROLE),
)  # fmt: skip
_NAME_FRAGMENT = compile_ci(r"^(?:name\s+is|name's|called)\s+(?P<v>.+)$")


def fragment_facts(fragment: str, *, casual: bool) -> list[Found]:
    """The fact a subjectless piece of a profile line states ("27", "from Cork", "nurse")."""
    clause = Clause(fragment, casual)
    if match := _NAME_FRAGMENT.match(fragment):
        return capture_name(clause, match.group("v"), Attribute.NAME, None, explicit=True)
    for pattern, attribute, kind in _FRAGMENTS:
        if match := pattern.match(fragment):
            found = capture(clause, match.group("v"), kind, attribute)
            if found and (kind is not ValueKind.AGE or 10 <= int(found[0].value) < 100):
                return found
    return []


# --- naming what was just mentioned ("we got a kitten, we named him Pip") ------------------

_NAMING = compile_ci(
    r"^(?:(?:his|her|its|their)\s+name\s+is|(?:he|she|it)\s+is\s+(?:called|named)"
    r"|(?:we|i)\s+(?:have\s+)?(?:named|called|call)\s+(?:him|her|it|them))\s+(?P<v>.+)$"
)


def named_later(clause: str, *, casual: bool) -> str | None:
    """The name in "his name is Leo" / "we named him Pip" (refers to what came before)."""
    if match := _NAMING.match(clause):
        return name_value(match.group("v"), casual=casual, explicit=True)
    return None


_PROFILE_PIECE = compile_ci(
    r"^\d{1,2}(?:\s*(?:y/?o|yrs?|years?(?:\s+old)?))?$|^(?:originally\s+)?from\s"
    r"|^(?:now|currently)\s+(?:in|at|living|based|working)\b|^(?:living|based|working|lives"
    r"|works)\s|^name\s+is\b|^(?:love|loves|hate|hates|like|likes|enjoy|enjoys|speak|speaks"
    r"|not\s+a\s+fan\s+of)\s"
)
_COMMA = re.compile(r"\s*,\s*")
_PROFILE_LABEL = compile_ci(r"^(?:me|about\s+me|bio|profile|intro)\s*[:-]\s*")


def split_profile(sentence: str) -> list[str] | None:
    """The pieces of a comma-joined profile line ("34, from Porto, now in Zurich, nurse"),
    or None when the sentence is not one (a piece after the first must read as a
    subjectless fact, so "I speak English, French and German" stays whole)."""
    line = _PROFILE_LABEL.sub("", sentence.strip().rstrip(" .!?"))
    pieces = [piece for piece in _COMMA.split(line) if piece]
    if len(pieces) < 2:
        return None

    def looks_like_fact(piece: str) -> bool:
        words = normalize_text(re.sub(r"^(?:a|an)\s+", "", piece, flags=re.IGNORECASE))
        return bool(_PROFILE_PIECE.match(piece)) or words in lexicon.OCCUPATIONS

    if any(looks_like_fact(piece) for piece in pieces[1:]) or _PROFILE_PIECE.match(pieces[0]):
        return pieces
    return None
