"""Extraction rules about identity, places and work (see :mod:`hybridmem.domain.extraction`).

A rule returns None when the clause is not its business, an empty list when it is but the
value is unusable (which stops later rules), or the facts it found.
"""

from __future__ import annotations

import re

from hybridmem.domain import lexicon
from hybridmem.domain.attributes import Attribute
from hybridmem.domain.extraction_support import (
    ADVERBS,
    ANIMALS,
    DIET,
    END,
    FAMILY,
    FIRST_PERSON_START,
    IS_NAMED,
    KIN_ADJ,
    PARTNER,
    PEOPLE,
    SPECIES,
    Clause,
    Found,
    capture,
    capture_name,
    category,
    compile_ci,
    i_pattern,
    partner_status,
)
from hybridmem.domain.text import normalize_text
from hybridmem.domain.values import ValueKind, clip_value, name_value

_HEDGE_WORD = compile_ci(r"\b(?:would|might|could|maybe|probably|if|will)\b")
_STUDENT_WORDS = frozenset({"student", "undergrad", "undergraduate", "postdoc", "fresher"})
_ENDED = compile_ci(r"\b(?:no longer|any ?more)\b")
_TIME_WORDS = compile_ci(
    r"\b(?:ago|last\s+\w+|in\s+(?:19|20)\d\d|yesterday|recently|in\s+(?:january|february|march"
    r"|april|may|june|july|august|september|october|november|december))\b"
)


# --- names and "X is my …" ---------------------------------------------------------------

_NAME_PATTERNS = (
    compile_ci(r"^(?:my\s+)?(?:first\s+|full\s+|real\s+|given\s+|good\s+)?name\s+is\s+(?P<v>.+)$"),
    compile_ci(r"^(?:please\s+|you\s+can\s+|just\s+)?call\s+me\s+(?P<v>.+)$"),
    compile_ci(r"^(?:people|everyone|everybody|my\s+friends|friends)\s+call\s+me\s+(?P<v>.+)$"),
    i_pattern(r"go\s+by|am\s+called|am\s+named|am\s+known\s+as"),
)
# "I'm Omar": a bare capitalized name as the whole clause (only in properly cased text).
_I_AM_NAME = re.compile(r"^[Ii]\s+am\s+(?P<v>[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?)$")
_INTRO = compile_ci(
    r"^(?:hi|hello|hey|hiya|greetings)\b[\s,!.]*(?:there\b[\s,!.]*)?(?:i\s+am|this\s+is)"
    r"\s+(?P<v>.+)$"
)
# "hey there, Oluwaseun here": a capitalized name announcing itself.
_HERE = re.compile(
    r"^(?:(?:hi|hello|hey|hiya|greetings)\b[\s,!.]*(?:(?:there|all|everyone|folks)\b[\s,!.]*)?)?"
    r"(?P<v>[A-Z][\w'-]+)\s+here\b",
    re.IGNORECASE,
)
_X_IS_MY = compile_ci(
    rf"^(?P<v>.+?)\s+(?:is|are)\s+(?:my|our)\s+{KIN_ADJ}(?:(?:(?:absolute|all[- ]time|total|very"
    rf"|number\s+one)\s+)?(?P<fav>favou?rite|fave?)(?:\s+(?P<cat>[\w ]+))?"
    rf"|(?P<hobby>hobby|hobbies|passion)|(?P<lang>(?:first|second|third|native|main)\s+language"
    rf"|mother\s+tongue)|(?P<sp>{SPECIES})|(?P<kin>{FAMILY})|(?P<partner>{PARTNER}))$"
)


def name_rule(clause: Clause) -> list[Found] | None:
    """ "My name is Asha", "call me Sam", "I go by Alex", "I'm Omar"."""
    for pattern in _NAME_PATTERNS:
        if match := pattern.match(clause.text):
            return capture_name(clause, match.group("v"), Attribute.NAME, None, explicit=True)
    if not clause.casual and (match := _I_AM_NAME.match(clause.text)):
        return capture_name(clause, match.group("v"), Attribute.NAME, None, explicit=False) or None
    return None


def x_is_my_rule(clause: Clause) -> list[Found] | None:
    """ "Chess is my favorite game", "Bruno is my dog", "English is my second language"."""
    match = _X_IS_MY.match(clause.text)
    if match is None or FIRST_PERSON_START.match(match.group("v")):
        return None
    raw = match.group("v")
    if match.group("fav"):
        return capture(
            clause,
            raw,
            ValueKind.THING,
            Attribute.LIKES,
            multi=True,
            qualifier=category(match.group("cat")),
        )
    if match.group("hobby"):
        return capture(clause, raw, ValueKind.THING, Attribute.HOBBIES, multi=True)
    if match.group("lang"):
        return capture(clause, raw, ValueKind.LANGUAGE, Attribute.LANGUAGES, multi=True)
    if species := match.group("sp"):
        return capture_name(clause, raw, Attribute.PET, ANIMALS[species.casefold()], explicit=False)
    if kin := match.group("kin"):
        return capture_name(clause, raw, Attribute.FAMILY_MEMBER, kin, explicit=False)
    return capture_name(clause, raw, Attribute.PARTNER, match.group("partner"), explicit=False)


# --- "my …" ------------------------------------------------------------------------------

_MY_FAVORITE = compile_ci(
    r"^my\s+(?:(?:all[- ]time|absolute|very)\s+)?(?:favou?rite|fave?)\s+"
    r"(?:(?P<cat>[\w ]{1,30}?)\s+)?(?:is|are)\s+(?P<v>.+)$"
)
_MY_NAMED = (
    (compile_ci(rf"^(?:my|our)\s+{KIN_ADJ}(?P<q>{SPECIES}){IS_NAMED}\s+(?P<v>.+)$"), Attribute.PET),
    (
        compile_ci(rf"^my\s+{KIN_ADJ}(?P<q>{FAMILY}){IS_NAMED}\s+(?P<v>.+)$"),
        Attribute.FAMILY_MEMBER,
    ),
    (compile_ci(rf"^my\s+(?P<q>{PARTNER}){IS_NAMED}\s+(?P<v>.+)$"), Attribute.PARTNER),
)
# "My dog Bruno …", "my husband Raj works at …": a capitalized name right after the noun.
_MY_APPOSITIVE = compile_ci(
    rf"^(?:my|our)\s+{KIN_ADJ}(?:(?P<sp>{SPECIES})|(?P<kin>{FAMILY})|(?P<partner>{PARTNER}))"
    r"\s*,?\s+(?P<v>[^\W\d_][\w'-]*)(?:[\s,]|$)"
)
_MY_SIMPLE: tuple[tuple[re.Pattern[str], Attribute, ValueKind, bool], ...] = (
    (
        compile_ci(r"^my\s+(?:hometown|home\s+town|native\s+place|birthplace|place\s+of\s+birth)\s+is\s+(?:in\s+)?(?P<v>.+)$"),
        Attribute.HOMETOWN, ValueKind.PLACE, False,
    ),
    (
        compile_ci(r"^my\s+(?:birthday|bday|b-day|date\s+of\s+birth|dob)\s+is\s+(?:on\s+|in\s+)?(?P<v>.+)$"),
        Attribute.BIRTHDAY, ValueKind.DATE, False,
    ),
    (compile_ci(r"^my\s+age\s+is\s+(?P<v>\d{1,3})\b"), Attribute.AGE, ValueKind.AGE, False),
    (
        compile_ci(r"^(?:my\s+)?(?:birthday|bday|b-day|date\s+of\s+birth|dob)\s*[:=]\s*(?P<v>.+)$"
                   r"|^i\s+celebrate\s+my\s+(?:birthday|bday)\s+(?:on|in)\s+(?P<w>.+)$"),
        Attribute.BIRTHDAY, ValueKind.DATE, False,
    ),
    (
        compile_ci(r"^my\s+(?:home|house|apartment|flat|place)\s+is\s+in\s+(?P<v>.+)$"),
        Attribute.LOCATION, ValueKind.PLACE, False,
    ),
    (
        compile_ci(r"^my\s+(?:job|profession|occupation|job\s+title|day\s+job)\s+is\s+(?P<v>.+)$"),
        Attribute.OCCUPATION, ValueKind.ROLE, False,
    ),
    (compile_ci(r"^my\s+(?:employer|workplace)\s+is\s+(?P<v>.+)$"), Attribute.EMPLOYER, ValueKind.ORGANISATION, False),  # noqa: E501
    (
        compile_ci(rf"^my\s+diet\s+is\s+(?:a\s+|an\s+|strictly\s+|mostly\s+)?(?P<v>{DIET}){END}"),
        Attribute.DIET, ValueKind.DIET, False,
    ),
    (
        compile_ci(r"^my\s+(?:main\s+|favou?rite\s+)?(?:hobbies|hobby|pastimes|pastime)\s+(?:is|are|include|includes)\s+(?P<v>.+)$"),
        Attribute.HOBBIES, ValueKind.THING, True,
    ),
    (
        compile_ci(r"^my\s+(?:food\s+)?allerg(?:y|ies)\s+(?:is|are|include|includes)\s+(?P<v>.+)$"),
        Attribute.ALLERGIES, ValueKind.THING, True,
    ),
    (
        compile_ci(r"^my\s+(?:native\s+language|mother\s+tongue|first\s+language|second\s+language|languages?)\s+(?:is|are)\s+(?P<v>.+)$"),
        Attribute.LANGUAGES, ValueKind.LANGUAGE, True,
    ),
)  # fmt: skip


def my_rule(clause: Clause) -> list[Found] | None:
    """ "My dog's name is Bruno", "my birthday is …", "my home is in …", "my son Leo …"."""
    text = clause.text
    if match := _MY_FAVORITE.match(text):
        return capture(
            clause, match.group("v"), ValueKind.THING, Attribute.LIKES, multi=True,
            qualifier=category(match.group("cat")),
        )  # fmt: skip
    for pattern, attribute in _MY_NAMED:
        if match := pattern.match(text):
            # "My dog is Bruno" must look like a name; "my dog is called bruno" need not.
            explicit = normalize_text(match.group("how")) != "is"
            qualifier = match.group("q").casefold()
            status = []
            if attribute is Attribute.PARTNER:
                status = _status_of(lexicon.PARTNER_RELATIONS.get(qualifier, qualifier))
            if clause.casual and not explicit:
                return status  # "my wife is pregnant": without capitals a bare "is" is no name
            if attribute is Attribute.PET:
                qualifier = ANIMALS[qualifier]
            named = capture_name(clause, match.group("v"), attribute, qualifier, explicit=explicit)
            return named + status  # "my husband isn't": no name, still a husband
    for pattern, attribute, kind, multi in _MY_SIMPLE:
        if match := pattern.match(text):
            raw = next((group for group in match.groups() if group), None)
            return capture(clause, raw, kind, attribute, multi=multi)
    if (
        (match := _MY_APPOSITIVE.match(text))
        and not clause.casual
        and match.group("v")[0].isupper()
    ):
        name = match.group("v")
        if species := match.group("sp"):
            return capture_name(
                clause, name, Attribute.PET, ANIMALS[species.casefold()], explicit=False
            )
        if kin := match.group("kin"):
            relation = lexicon.FAMILY_RELATIONS[kin.casefold()]
            return capture_name(clause, name, Attribute.FAMILY_MEMBER, relation, explicit=False)
        relation = lexicon.PARTNER_RELATIONS[match.group("partner").casefold()]
        partner = capture_name(clause, name, Attribute.PARTNER, relation, explicit=False)
        return partner + _status_of(relation) if partner else partner
    if match := _MY_KIN_SUBJECT.match(text):
        relation = lexicon.FAMILY_RELATIONS[match.group("kin").casefold()]
        return [Found(Attribute.FAMILY_MEMBER, relation, relation)]
    if match := _MY_PARTNERS.match(text):
        return _status_of(lexicon.PARTNER_RELATIONS[match.group("partner").casefold()]) or None
    return None


# "my sister lives in Berlin", "my cousin just got a job": a relative as the subject of a
# verb is a relative the user has (not "my sister's friend …": no possessive).
_MY_KIN_SUBJECT = compile_ci(rf"^my\s+{KIN_ADJ}(?P<kin>{FAMILY})\s+(?P<next>[a-z][\w-]*)\b")
# "my girlfriend loves sushi", "my boyfriend's flat": the user has a partner; a partner's
# relative or friend ("my boyfriend's mum is Italian") is about someone else: no status.
_MY_PARTNERS = compile_ci(rf"^my\s+(?P<partner>{PARTNER})(?:'s\s+(?!{PEOPLE})|\s+(?=[a-z]))")


def _status_of(relation: str) -> list[Found]:
    status = partner_status(relation)
    return [Found(Attribute.RELATIONSHIP_STATUS, status)] if status else []


# --- negative statements (they run before the negation gate) -----------------------------

_DISLIKE = (
    i_pattern(
        rf"(?:do\s+not|have\s+never|never)\s+{ADVERBS}(?:like|liked|enjoy|enjoyed"
        r"|care\s+for|cared\s+for)"
    ),
    i_pattern(
        r"dislike|hate|detest|loathe|despise|abhor|can\s+not\s+stand|am\s+not\s+(?:a\s+|really"
        r"\s+a\s+|much\s+of\s+a\s+)?(?:big\s+|huge\s+)?fan\s+of|am\s+not\s+(?:really\s+)?into"
        r"|am\s+not\s+fond\s+of"
    ),
)
_CANNOT_EAT = i_pattern(r"can\s+not\s+(?:eat|have|tolerate|digest)")
_NO_LONGER: tuple[tuple[re.Pattern[str], Attribute, ValueKind], ...] = (
    (
        i_pattern(rf"(?:no\s+longer|do\s+not)\s+{ADVERBS}(?:live|reside|stay)\s+(?:in|at)"),
        Attribute.LOCATION, ValueKind.PLACE,
    ),
    (
        i_pattern(rf"(?:no\s+longer|do\s+not)\s+{ADVERBS}work\s+(?:at|for)"),
        Attribute.EMPLOYER, ValueKind.ORGANISATION,
    ),
)  # fmt: skip


def negative_rule(clause: Clause) -> list[Found] | None:
    """Dislikes and endings: "I don't like jazz", "I no longer work at Google"."""
    for pattern in _DISLIKE:
        if match := pattern.match(clause.text):
            return capture(
                clause, match.group("v"), ValueKind.THING, Attribute.DISLIKES, multi=True
            )
    if match := _CANNOT_EAT.match(clause.text):
        return capture(clause, match.group("v"), ValueKind.THING, Attribute.ALLERGIES, multi=True)
    if _ENDED.search(clause.text):
        for pattern, attribute, kind in _NO_LONGER:
            if match := pattern.match(clause.text):
                return capture(clause, match.group("v"), kind, attribute, current=False)
    return None


# --- "I …" statements ----------------------------------------------------------------------

_LIVE = i_pattern(
    r"live|am\s+living|have\s+been\s+living|have\s+lived|reside|am\s+residing|am\s+based"
    r"|am\s+located|stay|am\s+settled|am\s+currently\s+living|settled|have\s+settled"
    r"|am\s+putting\s+up|am\s+staying",
    r"(?:\s+with\s+(?:my\s+)?[\w ]+?)?\s+(?:in|at|out\s+of)\s+(?P<v>.+)$",
)
_MOVED_TO = i_pattern(
    r"moved|have\s+moved|relocated|have\s+relocated|shifted|have\s+shifted",
    r"\s+(?:back\s+)?(?:from\s+(?P<old>.+?)\s+)?(?:back\s+)?to\s+(?P<v>.+?)"
    r"(?:\s+from\s+(?P<old2>.+))?$",
)
_MOVED_FROM = i_pattern(
    r"moved|relocated|have\s+moved", r"\s+(?:here\s+|over\s+|away\s+)?from\s+(?P<v>.+)$"
)
_LIVED = i_pattern(
    r"used\s+to\s+live|lived|was\s+living|was\s+based|used\s+to\s+stay|previously\s+lived",
    r"\s+(?:in|at)\s+(?P<v>.+)$",
)
# "we're in Berlin now": being somewhere is living there only with a "now" (not "this week").
_IN_NOW = i_pattern(
    r"am(?:\s+(?:finally|officially))?",
    r"\s+in\s+(?P<v>.+?)\s+(?:now|these\s+days|nowadays|for\s+good|permanently)(?:\s*,.*)?$",
)
_FROM = i_pattern(r"am|am\s+originally|come|originally\s+come|hail", r"\s+from\s+(?P<v>.+)$")
_GREW_UP = i_pattern(
    r"grew\s+up|was\s+born|was\s+raised|was\s+born\s+and\s+raised|was\s+born\s+and\s+brought"
    r"\s+up|was\s+brought\s+up|spent\s+my\s+childhood",
    r"\s+(?:in|on)\s+(?P<v>.+)$",
)


_ORGANISATION_TAIL = compile_ci(
    r"\b(?:bank|group|ltd|limited|inc|corp|corporation|plc|llc|gmbh|technologies|solutions"
    r"|consulting|partners|labs|systems|holdings|airlines|airways|insurance|capital|media"
    r"|software|pharma|pharmaceuticals|foods|motors|telecom|company)\.?$"
)


def place_rule(clause: Clause) -> list[Found] | None:
    """Where the user lives, lived, moved and comes from."""
    text = clause.text
    if match := _MOVED_TO.match(text):
        if _ORGANISATION_TAIL.search(clip_value(match.group("v"), ValueKind.ORGANISATION)):
            # "I have moved to Equity Bank": a change of job, not of home
            return capture(clause, match.group("v"), ValueKind.ORGANISATION, Attribute.EMPLOYER)
        found = capture(clause, match.group("v"), ValueKind.PLACE, Attribute.LOCATION)
        old = match.group("old") or match.group("old2")
        return found + capture(clause, old, ValueKind.PLACE, Attribute.LOCATION, current=False)
    if match := _MOVED_FROM.match(text):
        return capture(clause, match.group("v"), ValueKind.PLACE, Attribute.LOCATION, current=False)
    if match := _LIVE.match(text):
        return capture(clause, match.group("v"), ValueKind.PLACE, Attribute.LOCATION, ongoing=True)
    if match := _IN_NOW.match(text):
        return capture(clause, match.group("v"), ValueKind.PLACE, Attribute.LOCATION)
    if match := _LIVED.match(text):
        return capture(clause, match.group("v"), ValueKind.PLACE, Attribute.LOCATION, current=False)
    if match := _FROM.match(text):
        return capture(clause, match.group("v"), ValueKind.PLACE, Attribute.HOMETOWN)
    if match := _GREW_UP.match(text):
        birthday = capture(clause, match.group("v"), ValueKind.DATE, Attribute.BIRTHDAY)
        if birthday and "born" in text.casefold():
            return birthday
        return capture(clause, match.group("v"), ValueKind.PLACE, Attribute.HOMETOWN)
    return None


_AS_ROLE = r"(?:\s+as\s+(?P<role>.+))?$"
_WORK_AT = i_pattern(
    r"work|am\s+working|have\s+been\s+working|have\s+worked|am\s+employed|have\s+been\s+employed"
    r"|work\s+full[- ]time|work\s+part[- ]time|am\s+interning|intern",
    r"(?:\s+in\s+[\w ]+?)?\s+(?:at|for|by|(?P<with>with))\s+(?P<v>.+?)" + _AS_ROLE,
)
_WORK_AS = i_pattern(
    r"work|am\s+working|am\s+employed|have\s+been\s+working|have\s+worked",
    r"\s+as\s+(?P<role>.+?)(?:\s+(?:at|for|with)\s+(?P<v>.+))?$",
)
_JOINED = i_pattern(r"joined|started\s+at|have\s+joined", r"\s+(?P<v>.+?)" + _AS_ROLE)
_GOT_JOB = i_pattern(
    r"(?:got|started|accepted|landed|took|found|have)\s+(?:a\s+|my\s+)?(?:new\s+|first\s+)?"
    r"(?:job|position|role|internship|offer)\s+(?:at|with|from)|started\s+working\s+(?:at|for)"
    r"|got\s+hired\s+(?:at|by)|was\s+hired\s+(?:at|by)",
    r"\s+(?P<v>.+?)" + _AS_ROLE,
)
# "… before joining Meta": the next job or home in a career or moving story.
_BEFORE_JOINING = compile_ci(
    r"\b(?:before|then|and\s+then|and\s+now)\s+(?:(?P<job>joining|i\s+joined)|(?P<move>moving\s+to"
    r"|i\s+moved\s+to))\s+(?P<v>.+)$"
)
# "I work in a coffee shop": a workplace named by its kind (a proper name after "in" is
# more often a city or a field: "I work in Leeds", "I work in finance").
_WORK_IN = i_pattern(
    r"work|am\s+working|have\s+been\s+working|have\s+worked", r"\s+in\s+(?P<v>(?:a|an)\s+.+)$"
)
_WORKED_AT = i_pattern(
    r"used\s+to\s+work|worked|was\s+working|was\s+employed|previously\s+worked",
    r"\s+(?:at|for|by)\s+(?P<v>.+?)" + _AS_ROLE,
)
# "I'm at Deloitte", "I'm with Safaricom, in customer care": being at a named organisation
# (a capitalized name, the whole clause; "with" only with a department or a company word).
_AM_AT = compile_ci(
    r"^i\s+am\s+(?!.*\b(?:right\s+now|today|tonight|at\s+the\s+moment|this\s+\w+)\b)"
    r"(?:currently\s+|still\s+)?(?P<at>at|with)\s+(?P<v>[^\W\d_][\w&'.+-]*"
    r"(?:\s+(?:\+|&|[^\W\d_][\w&'.-]*)){0,3}?)(?P<dept>\s*,?\s+in\s+(?:the\s+)?[\w ]+"
    r"\s+(?:department|team|division))?$"
)
_WORK_PLACE = compile_ci(r"\s+in\s+(?P<v>.+)$")
_LEFT_JOB = i_pattern(
    r"(?:quit|left|resigned\s+from)\s+my\s+(?:job|position|role)\s+(?:at|with)|resigned\s+from"
)
_AM_A = i_pattern(
    r"(?:am|have\s+been)\s+(?:(?:now|currently|also|still|actually|just|only|basically)\s+)*"
    r"(?:a|an)",
    r"\s+(?P<role>.+?)(?:\s+(?P<prep>at|for|with|from)\s+(?P<v>.+))?$",
)
_WAS_A = i_pattern(
    r"(?:was|used\s+to\s+be|used\s+to\s+work\s+as)\s+(?:a|an)",
    r"\s+(?P<role>.+?)(?:\s+(?:at|for)\s+(?P<v>.+))?$",
)
_SELF_EMPLOYED = i_pattern(
    r"am(?:\s+(?:now|currently|also|still|actually))*",
    rf"\s+(?P<v>self[- ]employed|unemployed|retired|a\s+stay[- ]at[- ]home\s+(?:mom|dad|parent)){END}",  # noqa: E501
)
_RETIRED = i_pattern(r"retired", r"(?:\s+from\s+(?P<v>.+)|\s+.*)?$")


def work_rule(clause: Clause) -> list[Found] | None:
    """Employers (current and past) and the role held there."""
    text = clause.text
    org, role = ValueKind.ORGANISATION, ValueKind.ROLE
    if match := _WORK_AS.match(text):
        found = capture(clause, match.group("role"), role, Attribute.OCCUPATION, strict_role=False)
        return found + capture(clause, match.group("v"), org, Attribute.EMPLOYER)
    for pattern, current in (
        (_WORK_AT, True), (_GOT_JOB, True), (_JOINED, True), (_WORKED_AT, False)
    ):  # fmt: skip
        if match := pattern.match(text):
            if pattern is _JOINED and not (match.group("role") or _TIME_WORDS.search(text)):
                return []  # "I joined Facebook" may be a sign-up, not a job
            if match.groupdict().get("with") and (
                clause.casual or not match.group("v")[0].isupper()
            ):
                return []  # "I work with kids": only a named organisation is an employer
            found = capture(
                clause, match.group("v"), org, Attribute.EMPLOYER, current=current,
                ongoing=pattern is _WORK_AT,
            )  # fmt: skip
            if pattern is _WORK_AT and (place := _WORK_PLACE.search(match.group("v"))):
                # "I work at Amazon in Seattle": where the job is, is where the user lives
                found += capture(clause, place.group("v"), ValueKind.PLACE, Attribute.LOCATION)
            found += capture(
                clause, match.group("role"), role, Attribute.OCCUPATION, current=current,
                strict_role=False,
            )  # fmt: skip
            return found + _next_step(clause) if not current else found
    if (
        (match := _AM_AT.match(text))
        and not clause.casual
        and match.group("v")[:1].isupper()
        and (match.group("at") == "at" or match.group("dept") or _ORGANISATION_TAIL.search(text))
    ):
        return capture(clause, match.group("v"), org, Attribute.EMPLOYER) or None
    if match := _WORK_IN.match(text):
        return capture(clause, match.group("v"), org, Attribute.EMPLOYER) or None
    if match := _LEFT_JOB.match(text):
        return capture(clause, match.group("v"), org, Attribute.EMPLOYER, current=False)
    if match := _RETIRED.match(text):
        found = [Found(Attribute.OCCUPATION, "retired")]
        return found + capture(clause, match.group("v"), org, Attribute.EMPLOYER, current=False)
    return None


def _next_step(clause: Clause) -> list[Found]:
    match = _BEFORE_JOINING.search(clause.text)
    if match is None:
        return []
    if match.group("job"):
        return capture(clause, match.group("v"), ValueKind.ORGANISATION, Attribute.EMPLOYER)
    return capture(clause, match.group("v"), ValueKind.PLACE, Attribute.LOCATION)


_TEACH = i_pattern(r"teach", r"(?:\s+(?P<v>.+?))?(?:\s+(?:at|in)\s+(?P<where>.+))?$")


def occupation_rule(clause: Clause) -> list[Found] | None:
    """ "I am a nurse", "I teach history", "I'm self-employed" (needs a known head noun)."""
    text = clause.text
    if match := _TEACH.match(text):
        subjects = capture(clause, match.group("v"), ValueKind.THING, Attribute.OCCUPATION)
        if match.group("v") and not subjects:
            return []
        subject = f"{subjects[0].value} " if subjects else ""
        return [Found(Attribute.OCCUPATION, f"{subject}teacher")]
    if match := _SELF_EMPLOYED.match(text):
        value = re.sub(r"^a\s+", "", match.group("v"), flags=re.IGNORECASE)
        return [Found(Attribute.OCCUPATION, value.casefold())]
    for pattern, current in ((_AM_A, True), (_WAS_A, False)):
        if match := pattern.match(text):
            roles = capture(clause, match.group("role"), ValueKind.ROLE, Attribute.OCCUPATION,
                            current=current)  # fmt: skip
            if not roles:
                return []
            student = normalize_text(roles[0].value).split()[-1] in _STUDENT_WORDS
            where = Attribute.EDUCATION if student else Attribute.EMPLOYER
            if (match.groupdict().get("prep") or "").casefold() == "from":
                where = Attribute.HOMETOWN
            return roles + capture(
                clause, match.group("v"), ValueKind.ORGANISATION, where, current=current
            )
    return None


def intro_name(sentence: str, *, casual: bool) -> str | None:
    """The name in a greeting such as "Hi, I'm Asha" (it must look like a name)."""
    match = _INTRO.match(sentence.strip())
    if match is None and (here := _HERE.match(sentence.strip())) and here.group("v")[0].isupper():
        return name_value(here.group("v"), casual=casual, explicit=False)
    if match is None or _HEDGE_WORD.search(match.group("v")):
        return None
    return name_value(match.group("v"), casual=casual, explicit=False)
