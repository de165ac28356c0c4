"""Markets: ISO 3166-1 alpha-2 country codes, with `EU` as a shorthand for every member state."""

from collections.abc import Iterable
from functools import cache

from babel import Locale
from django.utils.translation import to_locale

from .choices import MARKET_NAMES

# ISO 3166-1 alpha-2 (all 249 officially assigned codes).
_ALPHA2_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
    GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
    KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
    MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
    TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
    ZW
"""
ISO_3166_ALPHA2 = frozenset(_ALPHA2_CODES.split())
# Member states of the European Union (27 since 1 February 2020).
_EU_CODES = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
EU_MEMBER_STATES = frozenset(_EU_CODES.split())
EU = "EU"
UK = "GB"


def parse_markets(text: str) -> list[str]:
    """'ie, gb;DE' -> ['IE', 'GB', 'DE']: codes in the order typed, upper case, each once."""
    words = text.replace(";", ",").replace(",", " ").split()
    return list(dict.fromkeys(word.upper() for word in words))


def unknown_markets(markets: Iterable[str]) -> list[str]:
    return [code for code in markets if code != EU and code not in ISO_3166_ALPHA2]


def in_eu(markets: Iterable[str]) -> bool:
    return any(code == EU or code in EU_MEMBER_STATES for code in markets)


@cache
def _territories(language: str) -> dict[str, str]:
    return dict(Locale.parse(to_locale(language)).territories)


def market_name(code: str, language: str) -> str:
    """A market as a customer reads it, in their language: in English as MARKET_NAMES says, in
    another language as the Unicode CLDR names it (Babel); a code neither knows shows as it
    was entered."""
    if language.startswith("en"):
        return MARKET_NAMES.get(code, code)
    return _territories(language).get(UK if code == "UK" else code, code)
