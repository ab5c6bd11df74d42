"""Extraction rules about the person, health, interests and belongings."""

from __future__ import annotations

import re

from hybridmem.domain import lexicon
from hybridmem.domain.attributes import Attribute
from hybridmem.domain.extraction_support import (
    ANIMALS,
    DIET,
    END,
    FAMILY,
    KIN_ADJ,
    PARTNER,
    SPECIES,
    Clause,
    Found,
    capture,
    capture_name,
    compile_ci,
    i_pattern,
    partner_status,
)
from hybridmem.domain.values import (
    ValueKind,
    clip_value,
    drop_afterthought,
    name_value,
    split_items,
    to_gerund,
)

_ACTIVITIES = (
    r"yoga|pilates|karate|judo|taekwondo|boxing|kickboxing|crossfit|meditation|tai chi|parkour"
    r"|gymnastics|ballet|archery|fencing|kung fu|jiu[- ]jitsu|martial arts|zumba|aerobics"
    r"|weightlifting|powerlifting|calisthenics|photography|pottery|woodworking|gardening"
    r"|knitting|crochet|embroidery|origami|calligraphy|salsa|ballroom dancing|rock climbing"
    r"|bouldering|running|swimming|cycling|hiking|surfing|skiing|snowboarding"
)
_HOBBY_VERBS = (
    r"paint|draw|sing|dance|cook|bake|knit|crochet|garden|swim|run|jog|hike|surf|ski|skate"
    r"|climb|cycle|bike|write|read|sew|fish|meditate|code|program|box|row|sail|dive|golf"
    r"|camp|game|blog|vlog|journal|skateboard|snowboard"
)
_FREQUENCY_TAIL = compile_ci(
    r"^(?:a lot|a bit|quite a bit|every\s+\w+|daily|regularly|often|sometimes|in my (?:free|"
    r"spare) time|on (?:the )?weekends?|for fun|as a hobby|most days|whenever i can|at night"
    r"|in the mornings?|in the evenings?|for relaxation|to relax|competitively|professionally"
    r"|seriously|every chance i get|(?:once|twice|\w+\s+times)\s+(?:a|per|every)\s+\w+"
    r"|\w+\s+days\s+a\s+week|now|these days|nowadays|instead|now instead)$"
)
_INSTITUTION = compile_ci(
    r"\b(?:university|college|school|institute|academy|polytechnic|iit|iim|nit|mit|uni)\b"
)


_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}  # fmt: skip
_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9}  # fmt: skip
_NUMBER_WORDS = compile_ci(
    rf"\b(?P<t>{'|'.join(_TENS)})(?:[- ](?P<u>{'|'.join(_UNITS)}))?\b(?=\s*(?:years?\s+old|y/?o|$))"
)
_AGE = i_pattern(
    r"am|turned|just\s+turned",
    r"\s+(?P<v>\d{1,3})(?:\s*(?:years?|yrs?)(?:\s*old)?|\s*y/?o)?"
    r"(?:\s+(?:now|today|this\s+year|last\s+\w+|\w+\s+ago|years?\s+of\s+age))?"
    r"(?:\s+lol|\s+haha|\s*,\s*(?:feeling|so|which|and|but)\b.*)?$",
)
_AGE_AND_ROLE = i_pattern(
    r"am\s+(?:a|an)",
    r"\s+(?P<v>\d{1,3})[- ](?:years?|yr)[- ]old\s+(?P<role>.+?)(?:\s+from\s+(?P<home>.+))?$",
)
_STATUS = i_pattern(
    r"am\s+(?:happily\s+|recently\s+|newly\s+)?|got\s+|just\s+got\s+"
    r"|have\s+been\s+(?:happily\s+)?",
    rf"(?P<v>married|single|engaged|divorced|widowed|separated|in\s+a\s+relationship){END}"
    r"(?:\s+(?:to|with)\s+(?P<p>.+))?",
)
_DATING = i_pattern(r"am\s+dating|am\s+seeing")
_SEEING_SOMEONE = i_pattern(
    r"(?:have\s+)?started\s+(?:seeing|dating)|am\s+(?:seeing|dating)|have\s+been\s+(?:seeing"
    r"|dating)|met|have\s+met",
    r"\s+(?:someone|somebody|a\s+(?:guy|girl|man|woman|lovely\s+\w+))(?:\s+new|\s+special)?$",
)


def personal_rule(clause: Clause) -> list[Found] | None:
    """Age and relationship status (and a partner named with them)."""
    text = clause.text
    if match := _AGE_AND_ROLE.match(text):
        age = capture(clause, match.group("v"), ValueKind.AGE, Attribute.AGE)
        age += capture(clause, match.group("role"), ValueKind.ROLE, Attribute.OCCUPATION)
        return age + capture(clause, match.group("home"), ValueKind.PLACE, Attribute.HOMETOWN)
    # "twenty-nine years old" → "29 years old"
    text = _NUMBER_WORDS.sub(
        lambda m: str(_TENS[m["t"].casefold()] + _UNITS.get((m["u"] or "").casefold(), 0)), text
    )
    if match := _AGE.match(text):
        return capture(clause, match.group("v"), ValueKind.AGE, Attribute.AGE)
    if match := _STATUS.match(text):
        status = re.sub(r"\s+", " ", match.group("v").casefold())
        found = [Found(Attribute.RELATIONSHIP_STATUS, status)]
        relation = {"married": "spouse", "engaged": "fiancé"}.get(status, "partner")
        if partner := match.group("p"):
            found += capture_name(clause, partner, Attribute.PARTNER, relation, explicit=False)
        return found
    if _SEEING_SOMEONE.match(text):
        return [Found(Attribute.RELATIONSHIP_STATUS, "in a relationship")]
    if match := _DATING.match(text):
        return capture_name(clause, match.group("v"), Attribute.PARTNER, "partner", explicit=False)
    return None


_DIET_NOW = i_pattern(
    r"am|have\s+been|became|went|turned|eat|follow|am\s+on|keep|stick\s+to|eat\s+only"
    r"|am\s+doing|do|have\s+been\s+doing|am\s+following",
    r"\s+(?:a\s+|an\s+|strictly\s+|strict\s+|fully\s+|mostly\s+|completely\s+|100%\s+|only\s+)*"
    rf"(?P<v>{DIET}){END}",
)
_DIET_PAST = i_pattern(r"was|used\s+to\s+be", rf"\s+(?:a\s+|an\s+)?(?P<v>{DIET}){END}")
_ALLERGIC = i_pattern(
    r"am\s+(?:severely\s+|very\s+|mildly\s+|deathly\s+|highly\s+|slightly\s+|super\s+"
    r"|extremely\s+)?allergic\s+to|have\s+(?:an?\s+|severe\s+|mild\s+)*allerg(?:y|ies)\s+to"
)
_ALLERGY_NOUN = i_pattern(
    r"have",
    r"\s+(?:a|an)\s+(?:severe\s+|mild\s+|bad\s+|serious\s+|slight\s+)?(?P<v>[\w -]+?)\s+allergy$",
)
_INTOLERANT = i_pattern(
    r"am",
    r"\s+(?:(?:severely|very|mildly|slightly|quite|a\s+bit)\s+)?(?P<v>lactose|gluten"
    r"|fructose|histamine|dairy|wheat)[- ]intolerant(?:\W*)$",
)


def health_rule(clause: Clause) -> list[Found] | None:
    """Diet and allergies."""
    text = clause.text
    if match := _DIET_NOW.match(text):
        return capture(clause, match.group("v"), ValueKind.DIET, Attribute.DIET, ongoing=True)
    if match := _DIET_PAST.match(text):
        return capture(clause, match.group("v"), ValueKind.DIET, Attribute.DIET, current=False)
    if match := _INTOLERANT.match(text):
        # an intolerance is not an allergy (no immune reaction): a free-text fact
        return [Found(Attribute.OTHER, f"{match.group('v').casefold()} intolerant")]
    for pattern in (_ALLERGIC, _ALLERGY_NOUN):
        if match := pattern.match(text):
            return capture(
                clause, match.group("v"), ValueKind.THING, Attribute.ALLERGIES, multi=True
            )
    return None


_LIKE = i_pattern(
    r"like|love|enjoy|adore|prefer|am\s+(?:really\s+|very\s+|so\s+|(?:much\s+)?more\s+)?into"
    r"|am\s+(?:a\s+)?(?:(?:big|huge|massive|great|die[- ]hard|total|true|long[- ]time)\s+)*fan\s+of"
    r"|am\s+passionate\s+about|am\s+fond\s+of|am\s+obsessed\s+with|am\s+crazy\s+about"
    r"|am\s+keen\s+on|am\s+addicted\s+to|am\s+hooked\s+on|have\s+a\s+passion\s+for"
    r"|have\s+a\s+soft\s+spot\s+for|am\s+a\s+(?:big\s+)?lover\s+of|am\s+in\s+love\s+with"
    r"|have\s+(?:gotten|got)\s+(?:really\s+)?into|got\s+(?:really\s+)?into|really\s+enjoy"
    r"|(?P<support>support)"
)
_FAN_ADJECTIVES = r"(?:big|huge|massive|great|die[- ]hard|total|true|long[- ]time|loyal|avid)"
# "I'm a huge Marvel fan": the liked thing sits between the adjectives and "fan".
_NOUN_FAN = i_pattern(
    rf"am\s+(?:a\s+|an\s+)?(?:{_FAN_ADJECTIVES}\s+)+", r"(?P<v>[\w' .&-]+?)\s+(?:fan|lover)$"
)
_DISLIKED = i_pattern(r"used\s+to\s+(?:hate|dislike|detest|loathe|despise)")
_LIKED = i_pattern(
    r"used\s+to\s+(?:like|love|enjoy|be\s+into)|was\s+(?:really\s+)?into"
    r"|was\s+a\s+(?:big\s+|huge\s+)?fan\s+of"
)
_SPEAK = i_pattern(
    r"speak|can\s+speak|am\s+fluent\s+in|am\s+a\s+native\s+speaker\s+of|am\s+native\s+in"
    r"|can\s+read\s+and\s+write|am\s+bilingual\s+in|am\s+conversational\s+in|know|understand"
    r"|can\s+understand|grew\s+up\s+speaking|have\s+picked\s+up|picked\s+up"
    r"|have\s+learned|have\s+learnt|learned|learnt"
)
_STUDIED_AT = i_pattern(
    r"studied|study|am\s+studying|graduated|majored|am\s+majoring|did\s+my\s+(?:degree|masters"
    r"|master's|bachelors|bachelor's|phd|undergrad|mba|ba|bsc|msc|ma|btech|mtech)(?:\s+degree)?"
    r"|got\s+my\s+degree|completed\s+my\s+(?:degree|studies|education)|am\s+enrolled",
    r"\s+(?:(?:in\s+)?(?P<field>[\w ]+?)\s+)?(?:at|from)\s+(?P<v>.+)$",
)
_ATTEND = i_pattern(r"attend|attended|go\s+to|went\s+to|am\s+at")
_DEGREE = i_pattern(
    r"have|hold|got|earned|completed|finished|have\s+finished|have\s+completed|did",
    r"\s+(?:a|an|my)\s+(?P<degree>bachelor'?s|master'?s|phd|ph\.d\.?|doctorate|mba|degree"
    r"|diploma|bsc|msc|ba|ma|btech|mtech|bachelor|master)(?:\s+degree)?\s+in\s+(?P<v>.+)$",
)
_DEGREE_NAMES = {"phd": "PhD", "ph.d": "PhD", "ph.d.": "PhD", "mba": "MBA", "bsc": "BSc",
                 "msc": "MSc", "ba": "BA", "ma": "MA", "btech": "BTech", "mtech": "MTech",
                 "bachelor": "bachelor's", "bachelors": "bachelor's", "master": "master's",
                 "masters": "master's"}  # fmt: skip


def _degree(clause: Clause, match: re.Match[str]) -> list[Found]:
    """ "a PhD in chemistry" keeps the degree with its field; a bare "degree in nursing" is
    "nursing degree"."""
    fields = capture(clause, match.group("v"), ValueKind.FIELD, Attribute.EDUCATION)
    if not fields:
        return []
    degree = match.group("degree").casefold()
    field = fields[0].value
    if degree in {"degree", "diploma"}:
        return [Found(Attribute.EDUCATION, f"{field} {degree}")]
    return [Found(Attribute.EDUCATION, f"{_DEGREE_NAMES.get(degree, degree)} in {field}")]


_STUDY_FIELD = i_pattern(r"majored\s+in|am\s+majoring\s+in|studied|study|am\s+studying")


def interest_rule(clause: Clause) -> list[Found] | None:
    """Likes, languages and education."""
    text = clause.text
    thing = ValueKind.THING
    if match := _NOUN_FAN.match(text):
        return capture(clause, match.group("v"), thing, Attribute.LIKES)
    if (match := _LIKE.match(text)) and match.group("support"):
        # "I support Arsenal": a team, so a name (not "I support the idea")
        if clause.casual or not match.group("v")[:1].isupper():
            return None
        return capture(clause, match.group("v"), ValueKind.ORGANISATION, Attribute.LIKES)
    if match := _LIKE.match(text):
        return capture(clause, match.group("v"), thing, Attribute.LIKES, multi=True)
    if match := _LIKED.match(text):
        return capture(clause, match.group("v"), thing, Attribute.LIKES, multi=True, current=False)
    if match := _DISLIKED.match(text):
        raw = match.group("v")
        return capture(clause, raw, thing, Attribute.DISLIKES, multi=True, current=False)
    if match := _SPEAK.match(text):
        return capture(
            clause, match.group("v"), ValueKind.LANGUAGE, Attribute.LANGUAGES, multi=True
        )
    if match := _STUDIED_AT.match(text):
        return capture(clause, match.group("v"), ValueKind.ORGANISATION, Attribute.EDUCATION)
    if (match := _ATTEND.match(text)) and _INSTITUTION.search(match.group("v")):
        return capture(clause, match.group("v"), ValueKind.ORGANISATION, Attribute.EDUCATION)
    if match := _DEGREE.match(text):
        return _degree(clause, match)
    if match := _STUDY_FIELD.match(text):
        return capture(clause, match.group("v"), ValueKind.FIELD, Attribute.EDUCATION)
    return None


_PLAY = i_pattern(r"play|have\s+been\s+playing|love\s+playing|enjoy\s+playing")
_GO_ING = i_pattern(
    r"go|love\s+going|enjoy\s+going|like\s+going",
    r"\s+(?P<v>(?:(?:rock|ice|scuba|sky|bungee|mountain|trail|bird|deep\s+sea|cross[- ]country"
    r"|skinny|wild|open\s+water)\s+)?\w+ing)\b",
)
_PRACTICE = i_pattern(
    r"do|practice|practise|have\s+been\s+doing|have\s+been\s+practicing|took\s+up"
    r"|have\s+taken\s+up|started",
    rf"\s+(?P<v>{_ACTIVITIES}){END}",
)
_HOBBY_VERB = i_pattern(rf"(?P<verb>{_HOBBY_VERBS})", r"(?:\s+(?P<tail>.+))?$")
_COLLECT = i_pattern(r"collect")


def hobby_rule(clause: Clause) -> list[Found] | None:
    """ "I play tennis", "I go hiking", "I do yoga", "I paint a lot", "I collect stamps"."""
    text = clause.text
    if match := _PLAY.match(text):
        raw = re.sub(r"\bthe\s+", "", match.group("v"), flags=re.IGNORECASE)
        return capture(clause, raw, ValueKind.THING, Attribute.HOBBIES, multi=True)
    for pattern in (_GO_ING, _PRACTICE):
        if match := pattern.match(text):
            return capture(clause, match.group("v"), ValueKind.THING, Attribute.HOBBIES)
    if match := _HOBBY_VERB.match(text):
        tail = match.group("tail")
        if tail and not _FREQUENCY_TAIL.match(tail.strip(" .!")):
            return None
        return [Found(Attribute.HOBBIES, to_gerund(match.group("verb").casefold()))]
    if match := _COLLECT.match(text):
        items = capture(clause, match.group("v"), ValueKind.THING, Attribute.HOBBIES)
        return [Found(Attribute.HOBBIES, f"collecting {item.value}") for item in items]
    return None


_HAVE = i_pattern(
    r"have\s+got|just\s+got|just\s+adopted|recently\s+adopted|have|own|got|adopted|rescued"
)
_HAD = i_pattern(r"had|used\s+to\s+have|once\s+had")
_HAVE_ITEM = compile_ci(
    rf"^(?:a|an|one|my|our)\s+{KIN_ADJ}(?:(?:little|big|small|cute|black|white|brown|golden|grey"
    rf"|gray|orange|ginger|tabby|rescue|pet|old|young|new|beautiful|lovely|sweet|fluffy"
    rf"|adorable|lazy|crazy|german|border|cocker|jack\s+russell|pit)\s+)*"
    rf"(?P<noun>{SPECIES}|{FAMILY}|{PARTNER})(?:\s*,?\s+(?:named|called)\s+(?P<name>.+)"
    # "I have my dog Rolo to cheer me up": a capitalized name right after the noun
    r"|\s+(?P<appos>[^\W\d_][\w'-]*)(?:\s.*)?)?$"
)
# "we just had a baby girl, Maya!": a birth is a new child, named or not.
_BABY = i_pattern(
    r"had|have\s+had|welcomed|have\s+welcomed",
    r"\s+(?:a\s+|our\s+)?(?:beautiful\s+|healthy\s+)?(?:baby|newborn)\s+(?P<sex>girl|boy|daughter|son)"
    r"\b\s*,?\s*(?:(?:named|called)\s+)?(?P<v>.*)$",
)


def have_rule(clause: Clause) -> list[Found] | None:
    """ "I have a dog named Bruno", "I have a sister", "I had a cat" (pets, family, partner)."""
    text = clause.text
    if baby := _BABY.match(text):
        relation = {"girl": "daughter", "boy": "son"}.get(baby.group("sex").casefold(), "child")
        relation = baby.group("sex").casefold() if relation == "child" else relation
        named = name_value(baby.group("v"), casual=clause.casual, explicit=False)
        return [Found(Attribute.FAMILY_MEMBER, named or relation, relation)]
    match = _HAVE.match(text)
    current = True
    if match is None:
        match, current = _HAD.match(text), False
    if match is None:
        return None
    found: list[Found] = []
    for item in split_items(drop_afterthought(clip_value(match.group("v"), ValueKind.THING))):
        if not (parsed := _HAVE_ITEM.match(item)):
            # "I have a son, Leo": a name right after an unnamed one is that one's name
            last = found[-1] if found else None
            unnamed = last and last.value == last.qualifier
            if (
                last
                and unnamed
                and last.attribute is not Attribute.PARTNER
                and (named := name_value(item, casual=clause.casual, explicit=False))
            ):
                found[-1] = Found(last.attribute, named, last.qualifier, last.current)
            continue
        noun, name = parsed.group("noun").casefold(), parsed.group("name")
        named = name_value(name, casual=clause.casual, explicit=True) if name else None
        appos = parsed.group("appos")
        if appos and not clause.casual and appos[0].isupper():
            named = name_value(appos, casual=False, explicit=False)
        if noun in ANIMALS:
            species = ANIMALS[noun]
            found.append(Found(Attribute.PET, named or species, species, current))
        elif not current:
            continue  # "I had a brother" is not something to file away
        elif noun in lexicon.FAMILY_RELATIONS:
            relation = lexicon.FAMILY_RELATIONS[noun]
            found.append(Found(Attribute.FAMILY_MEMBER, named or relation, relation))
        else:
            relation = lexicon.PARTNER_RELATIONS[noun]
            status = partner_status(relation) or "in a relationship"
            found.append(Found(Attribute.RELATIONSHIP_STATUS, status))
            if named:
                found.append(Found(Attribute.PARTNER, named, relation))
    return found or None  # "I have been a chef": not a belonging, another rule's business
