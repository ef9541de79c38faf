"""Countries, regions and languages: ISO codes checked against pycountry's tables.

A region is derived from a country's ISO 3166-1 alpha-2 code; the six regions are the
product's (``product.md``). Antarctica and uninhabited territories belong to none.
pycountry's lookups are slow and its tables never change, so every answer is remembered.
"""

from __future__ import annotations

from functools import cache
from typing import Final

import pycountry

REGIONS: Final = ("africa", "asia-pacific", "europe", "latin-america", "middle-east", "north-america")

_COUNTRIES_BY_REGION: Final[dict[str, str]] = {
    "africa": (
        "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EH ER ET GA GH GM GN GQ GW KE KM LR LS LY MA MG ML MR MU MW"
        " MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN TZ UG YT ZA ZM ZW"
    ),
    "asia-pacific": (
        "AF AS AU BD BN BT CC CK CN CX FJ FM GU HK ID IN IO JP KG KH KI KP KR KZ LA LK MH MM MN MO MP MV MY"
        " NC NF NP NR NU NZ PF PG PH PK PN PW SB SG TH TJ TK TL TM TO TV TW UZ VN VU WF WS"
    ),
    "europe": (
        "AD AL AM AT AX AZ BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GE GG GI GR HR HU IE IM IS IT JE LI"
        " LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM TR UA VA"
    ),
    "latin-america": (
        "AG AI AR AW BB BL BO BQ BR BS BZ CL CO CR CU CW DM DO EC FK GD GF GP GT GY HN HT JM KN KY LC MF MQ"
        " MS MX NI PA PE PR PY SR SV SX TC TT UY VC VE VG VI"
    ),
    "middle-east": "AE BH EG IL IQ IR JO KW LB OM PS QA SA SY YE",
    "north-america": "BM CA GL PM UM US",
}

_REGION_OF_COUNTRY: Final = {code: region for region, codes in _COUNTRIES_BY_REGION.items() for code in codes.split()}


@cache
def is_country(code: str) -> bool:
    """An ISO 3166-1 alpha-2 code, upper case (``BR``)."""
    return len(code) == 2 and code.isupper() and pycountry.countries.get(alpha_2=code) is not None


@cache
def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or country.name if country else code


def region_of(country: str) -> str | None:
    """The region a country belongs to, or None for places outside every region (AQ, BV, …)."""
    return _REGION_OF_COUNTRY.get(country)


@cache
def is_language(code: str) -> bool:
    """An ISO 639-1 two-letter language code, lower case (``pt``)."""
    return len(code) == 2 and code.islower() and pycountry.languages.get(alpha_2=code) is not None


@cache
def language_name(code: str) -> str:
    language = pycountry.languages.get(alpha_2=code)
    return language.name if language else code
