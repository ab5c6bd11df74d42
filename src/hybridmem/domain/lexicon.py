"""Closed word lists the normalizer, the rule extractor and the router share.

They are deliberately small and conservative: the rule extractor favours precision, so a
word missing here means a fact is not extracted, never that a wrong one is.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: Pet words → canonical species.
PET_SPECIES: Mapping[str, str] = MappingProxyType(
    {
        "dog": "dog",
        "puppy": "dog",
        "pup": "dog",
        "doggo": "dog",
        "cat": "cat",
        "kitten": "cat",
        "kitty": "cat",
        "parrot": "parrot",
        "budgie": "parakeet",
        "parakeet": "parakeet",
        "cockatiel": "cockatiel",
        "bird": "bird",
        "hamster": "hamster",
        "gerbil": "gerbil",
        "rabbit": "rabbit",
        "bunny": "rabbit",
        "guinea pig": "guinea pig",
        "ferret": "ferret",
        "fish": "fish",
        "goldfish": "goldfish",
        "turtle": "turtle",
        "tortoise": "tortoise",
        "snake": "snake",
        "lizard": "lizard",
        "gecko": "gecko",
        "iguana": "iguana",
        "horse": "horse",
        "pony": "pony",
        "rat": "rat",
        "mouse": "mouse",
        "chinchilla": "chinchilla",
        "hedgehog": "hedgehog",
    }
)

#: Family words → canonical relation.
FAMILY_RELATIONS: Mapping[str, str] = MappingProxyType(
    {
        "mother": "mother",
        "mom": "mother",
        "mum": "mother",
        "mommy": "mother",
        "mama": "mother",
        "father": "father",
        "dad": "father",
        "daddy": "father",
        "papa": "father",
        "sister": "sister",
        "sis": "sister",
        "brother": "brother",
        "bro": "brother",
        "son": "son",
        "daughter": "daughter",
        "kid": "child",
        "child": "child",
        "baby": "child",
        "grandmother": "grandmother",
        "grandma": "grandmother",
        "granny": "grandmother",
        "grandfather": "grandfather",
        "grandpa": "grandfather",
        "granddad": "grandfather",
        "grandad": "grandfather",
        "gramps": "grandfather",
        "nan": "grandmother",
        "nana": "grandmother",
        "gran": "grandmother",
        "grandson": "grandson",
        "granddaughter": "granddaughter",
        "aunt": "aunt",
        "auntie": "aunt",
        "uncle": "uncle",
        "cousin": "cousin",
        "niece": "niece",
        "nephew": "nephew",
        "stepmother": "stepmother",
        "stepfather": "stepfather",
        "stepsister": "stepsister",
        "stepbrother": "stepbrother",
        "twin": "twin",
        "mother-in-law": "mother-in-law",
        "father-in-law": "father-in-law",
        "sister-in-law": "sister-in-law",
        "brother-in-law": "brother-in-law",
    }
)

#: Partner words → canonical relation.
PARTNER_RELATIONS: Mapping[str, str] = MappingProxyType(
    {
        "wife": "wife",
        "husband": "husband",
        "hubby": "husband",
        "partner": "partner",
        "spouse": "spouse",
        "girlfriend": "girlfriend",
        "gf": "girlfriend",
        "boyfriend": "boyfriend",
        "bf": "boyfriend",
        "fiance": "fiancé",
        "fiancé": "fiancé",
        "fiancee": "fiancée",
        "fiancée": "fiancée",
    }
)

RELATIONSHIP_STATUSES: Mapping[str, str] = MappingProxyType(
    {
        "married": "married",
        "single": "single",
        "engaged": "engaged",
        "divorced": "divorced",
        "widowed": "widowed",
        "separated": "separated",
        "in a relationship": "in a relationship",
    }
)

DIETS: Mapping[str, str] = MappingProxyType(
    {
        "vegetarian": "vegetarian",
        "vegan": "vegan",
        "pescatarian": "pescatarian",
        "pescetarian": "pescatarian",
        "keto": "keto",
        "paleo": "paleo",
        "gluten-free": "gluten-free",
        "coeliac": "gluten-free",
        "celiac": "gluten-free",
        "gluten free": "gluten-free",
        "dairy-free": "dairy-free",
        "dairy free": "dairy-free",
        "lactose-free": "lactose-free",
        "halal": "halal",
        "kosher": "kosher",
        "flexitarian": "flexitarian",
        "eggetarian": "eggetarian",
        "jain": "jain",
        "carnivore": "carnivore",
        "low-carb": "low-carb",
        "low carb": "low-carb",
        "plant-based": "plant-based",
        "plant based": "plant-based",
        "raw vegan": "raw vegan",
    }
)

LANGUAGES: frozenset[str] = frozenset(
    {
        "english", "hindi", "bengali", "bangla", "marathi", "tamil", "telugu", "kannada",
        "malayalam", "gujarati", "punjabi", "urdu", "odia", "assamese", "sanskrit", "nepali",
        "sinhala", "french", "german", "spanish", "italian", "portuguese", "dutch", "swedish",
        "norwegian", "danish", "finnish", "icelandic", "polish", "czech", "slovak", "hungarian",
        "romanian", "bulgarian", "greek", "russian", "ukrainian", "serbian", "croatian",
        "bosnian", "slovenian", "albanian", "lithuanian", "latvian", "estonian", "turkish",
        "arabic", "hebrew", "persian", "farsi", "pashto", "kurdish", "swahili", "amharic",
        "yoruba", "igbo", "hausa", "zulu", "xhosa", "afrikaans", "somali", "mandarin",
        "cantonese", "chinese", "japanese", "korean", "vietnamese", "thai", "lao", "khmer",
        "burmese", "malay", "indonesian", "tagalog", "filipino", "mongolian", "kazakh", "uzbek",
        "georgian", "armenian", "azerbaijani", "latin", "catalan", "basque", "galician",
        "irish", "welsh", "gaelic", "esperanto", "sign language", "asl", "bsl",
    }
)  # fmt: skip

#: Head nouns of occupations. "I'm a big fan of jazz" or "I'm a morning person" must not
#: become an occupation, so "I am a/an X" only counts when X ends in one of these.
OCCUPATIONS: frozenset[str] = frozenset(
    {
        "accountant", "actor", "actress", "administrator", "agent", "analyst", "animator",
        "anthropologist", "architect", "archaeologist", "artist", "assistant", "astronaut",
        "astronomer", "athlete", "attorney", "auditor", "author", "baker", "banker", "barber",
        "barista", "bartender", "biologist", "blogger", "bookkeeper", "broker", "builder",
        "butcher", "carpenter", "cashier", "caregiver", "ceo", "cfo", "chef", "chemist",
        "cleaner", "clerk", "coach", "consultant", "contractor", "cook", "coordinator",
        "counselor", "counsellor", "cto", "dancer", "dentist", "designer", "detective",
        "developer", "dietitian", "director", "doctor", "driver", "economist", "editor",
        "educator", "electrician", "engineer", "entrepreneur", "executive", "farmer",
        "firefighter", "filmmaker", "founder", "freelancer", "gardener", "geologist",
        "hairdresser", "historian", "homemaker", "housewife", "illustrator", "instructor",
        "intern", "investor", "janitor", "journalist", "judge", "landscaper", "lawyer",
        "lecturer", "librarian", "linguist", "lifeguard", "manager", "marketer",
        "mathematician", "mechanic", "midwife", "musician", "nanny", "neurologist", "nurse",
        "nutritionist", "officer", "optician", "painter", "paralegal", "paramedic",
        "pharmacist", "photographer", "physician", "physicist", "physiotherapist", "pilot",
        "plumber", "poet", "policeman", "policewoman", "politician", "postman", "producer",
        "professor", "programmer", "psychiatrist", "psychologist", "realtor", "receptionist",
        "recruiter", "reporter", "researcher", "sailor", "salesman", "saleswoman",
        "salesperson", "scientist", "secretary", "singer", "soldier", "specialist",
        "statistician", "student", "supervisor", "surgeon", "surveyor", "tailor", "teacher",
        "technician", "therapist", "trader", "trainer", "translator", "tutor", "veterinarian",
        "vet", "waiter", "waitress", "welder", "writer", "youtuber", "streamer", "professional",
        "undergrad", "undergraduate", "postdoc", "pharmacologist", "radiologist",
        "cardiologist", "pediatrician", "paediatrician", "dermatologist", "optometrist",
        "machinist", "miner", "fisherman", "ranger", "guard", "chauffeur", "courier",
        "principal", "dean", "sommelier", "jeweler", "jeweller", "potter", "composer",
        "conductor", "drummer", "guitarist", "pianist", "violinist", "comedian", "model",
        "stylist", "tester", "scrum master", "sysadmin", "devops", "strategist", "planner",
        "inspector", "underwriter", "actuary", "cartographer", "stewardess", "flight attendant",
        "housekeeper", "carer", "radiographer", "sonographer", "practitioner",
    }
)  # fmt: skip

#: Values that name no place, employer or person ("I live in peace", "I work at home").
GENERIC_OBJECTS: frozenset[str] = frozenset(
    {
        "home", "work", "school", "bed", "town", "here", "there", "abroad", "overseas",
        "downtown", "outside", "inside", "everywhere", "nowhere", "somewhere", "anywhere",
        "peace", "harmony", "fear", "hope", "denial", "hell", "heaven", "night", "nights",
        "day", "days", "weekends", "weekend", "myself", "yourself", "himself", "herself",
        "themselves", "ourselves", "free", "free time", "moment", "present", "past", "future",
        "city", "country", "countryside", "suburbs", "village", "area", "neighborhood",
        "neighbourhood", "world", "office", "same place", "it", "this", "that", "them", "him",
        "her", "you", "me", "us", "nothing", "everything", "something", "anything", "all",
        "everyone", "someone", "anyone", "nobody", "none", "both", "either", "neither", "one",
        "other", "others", "lot", "lots",
    }
)  # fmt: skip

#: Objects of "like/love/hate" that carry no preference worth remembering.
NON_PREFERENCE_OBJECTS: frozenset[str] = GENERIC_OBJECTS | frozenset(
    {
        "these", "those", "what", "which", "whatever", "how", "when", "where", "why", "who",
        "whom", "your", "yours", "his", "hers", "theirs", "ours", "mine", "it a lot",
        "that idea", "the idea", "the way", "so much", "very much", "a lot", "talking to you",
        "you too", "yourself",
    }
)  # fmt: skip

#: "X and Y" phrases that name one thing, so conjunction splitting leaves them whole.
COMPOUND_NAMES: frozenset[str] = frozenset(
    {
        "rock and roll", "rhythm and blues", "r and b", "mac and cheese", "macaroni and cheese",
        "fish and chips", "salt and pepper", "dungeons and dragons", "law and order",
        "pride and prejudice", "tom and jerry", "black and white", "bread and butter",
        "peanut butter and jelly", "rice and beans", "sweet and sour", "arts and crafts",
        "drum and bass", "war and peace", "trial and error", "procter and gamble",
        "johnson and johnson", "marks and spencer", "simon and garfunkel", "hall and oates",
        "ernst and young", "bed and breakfast", "rock n roll", "pen and paper",
        "cops and robbers", "snakes and ladders", "chutes and ladders", "ham and cheese",
        "strawberries and cream", "gin and tonic",
    }
)  # fmt: skip
