"""Nationality words ("Kenyan", "Japanese") and workplaces named by a common noun."""

from __future__ import annotations

#: Demonyms (lower case) the nationality rule accepts; the value keeps its usual spelling.
DEMONYMS: frozenset[str] = frozenset(
    """
    afghan albanian algerian american andorran angolan argentine argentinian armenian
    australian austrian azerbaijani bahamian bahraini bangladeshi barbadian belarusian belgian
    belizean beninese bhutanese bolivian bosnian botswanan brazilian british bruneian
    bulgarian burkinabe burmese burundian cambodian cameroonian canadian chadian chilean
    chinese colombian congolese croatian cuban cypriot czech danish djiboutian dominican dutch
    ecuadorian egyptian emirati english eritrean estonian ethiopian fijian filipino finnish
    french gabonese gambian georgian german ghanaian greek grenadian guatemalan guinean
    guyanese haitian honduran hungarian icelandic indian indonesian iranian iraqi irish
    israeli italian ivorian jamaican japanese jordanian kazakh kenyan korean kosovan kuwaiti
    kyrgyz laotian latvian lebanese liberian libyan lithuanian luxembourgish macedonian
    malagasy malawian malaysian maldivian malian maltese mauritanian mauritian mexican
    moldovan monegasque mongolian montenegrin moroccan mozambican namibian nepalese nepali
    nicaraguan nigerian nigerien norwegian omani pakistani palestinian panamanian paraguayan
    peruvian polish portuguese qatari romanian russian rwandan salvadoran samoan saudi
    scottish senegalese serbian singaporean slovak slovenian somali south african spanish
    sri lankan sudanese surinamese swedish swiss syrian taiwanese tajik tanzanian thai
    togolese tongan trinidadian tunisian turkish turkmen ugandan ukrainian uruguayan uzbek
    venezuelan vietnamese welsh yemeni zambian zimbabwean new zealander
    """.replace("south african", "south_african")
    .replace("sri lankan", "sri_lankan")
    .replace("new zealander", "new_zealander")
    .split()
)


#: Country abbreviations used as adjectives ("a US citizen", "a UK passport").
_ABBREVIATED = {"us": "american", "u.s.": "american", "usa": "american", "uk": "british",
                "u.k.": "british", "uae": "emirati", "nz": "new_zealander"}  # fmt: skip


def demonym(word: str) -> str | None:
    """The display form of a nationality word ("kenyan" → "Kenyan", "US" → "American"),
    or None."""
    key = " ".join(word.casefold().split()).replace(" ", "_")
    key = _ABBREVIATED.get(key, key)
    if key not in DEMONYMS:
        return None
    return " ".join(part.capitalize() for part in key.split("_"))


#: Common nouns that name a workplace well enough to remember ("works at a bakery").
WORKPLACES: frozenset[str] = frozenset(
    """
    bakery cafe café restaurant bar pub hotel hospital clinic pharmacy school university
    college nursery kindergarten library museum bank startup start-up agency firm consultancy
    charity nonprofit non-profit factory warehouse supermarket shop store bookshop bookstore
    garage salon gym studio lab laboratory brewery winery farm newspaper magazine publisher
    call centre call center council ministry embassy airline airport hostel theatre theater
    cinema bistro deli butcher butchers florist vet surgery practice dealership bakehouse
    centre center office
    """.replace("call centre", "call_centre")
    .replace("call center", "call_center")
    .split()
)
