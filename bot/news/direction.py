"""Which way a story points (rise or cut, shortage or glut, outage or launch), EN and FR.

The topic says what a story is about; the direction says what happened to it, and the two
together pick "why it matters". Without the direction, "GPU rental prices jump 40 %" reads as
cheaper compute because it mentions rental prices. Patterns run on lower-case, accent-free text
(``pénurie`` and ``penurie`` are the same word), so each French word is written once, bare.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

# The directions, tried in this order: an outage or a shutdown says more than any price move,
# and "the shortage eases" is a glut signal before it is a shortage one.
DIRECTIONS: tuple[str, ...] = (
    "outage",
    "retired",
    "glut",
    "shortage",
    "rise",
    "cut",
    "trouble",
    "delay",
    "relaxed",
    "restricted",
    "limit",
)

_PATTERNS: Mapping[str, re.Pattern[str]] = {
    "outage": re.compile(
        r"\b(outages?|downtime|down for|goes down|went down|is down|are down|(service|api) down"
        r"|disruptions?|disrupted|degraded|unavailable|unreachable|service interruption"
        r"|errors? spike|status page|pannes?|indisponibles?|indisponibilite|inaccessibles?"
        r"|hors service|interruption de service|coupure)\b"
    ),
    "retired": re.compile(
        r"\b(deprecat\w*|retir(e|es|ed|ing)|sunsets?|sunsetting|shuts? down|shutting down"
        r"|discontinu\w*|end of life|pulls? the plug|kills? off|abandon\w*|ferme|fermeture"
        r"|arret\w*|met fin|fin de vie|retire du marche|debranch\w*)\b"
    ),
    "glut": re.compile(
        r"\b(glut|oversuppl\w*|surplus|excess capacity|overcapacity|idle (gpus?|capacity)"
        r"|shortages?[^.]* (eases|ends|is over)|surcapacite|surabondance|excedent\w*"
        r"|penurie[^.]* (se resorbe|prend fin|s'acheve))\b"
    ),
    "shortage": re.compile(
        r"\b(shortages?|scarc\w*|sold out|supply crunch|crunch|waitlists?|rationing|rationed"
        r"|tight supply|back-?orders?|penurie|rarete|manque de|rupture de stock|tensions? sur"
        r"|rationne\w*)\b"
    ),
    "rise": re.compile(
        r"\b(rais(e|es|ed|ing)|hikes?|hiked|increas\w*|jumps?|jumped|soars?|soared|surges?"
        r"|surged|spikes?|spiked|climbs?|climbed|doubles?|doubled|triples?|tripled"
        r"|skyrocket\w*|costlier|more expensive|pricier|hausses?|augment\w*|s'envol\w*"
        r"|envol\w*|flamb\w*|bondi\w*|grimp\w*|explos\w*|plus chers?|plus chere?s?)\b"
        r"|\bup \d+\s?%"
    ),
    "cut": re.compile(
        r"\b(cuts?|slash\w*|cheaper|drops?|dropped|falls?|fell|plunges?|plunged|tumbles?"
        r"|tumbled|halv\w*|lower(s|ed)?|discount\w*|free|price war|baiss\w*|chut\w*"
        r"|divis\w*|moins chers?|moins cheres?|degringol\w*|effondr\w*|recul\w*|gratuit\w*"
        r"|guerre des prix)\b"
        r"|\bdown \d+\s?%"
    ),
    "trouble": re.compile(
        r"\b(layoffs?|lays? off|laid off|bankrupt\w*|insolven\w*|fails? to raise|down ?round"
        r"|valuation (cut|drop)s?|struggl\w*|collaps\w*|licenci\w*|faillite|redressement"
        r"|liquidation|en difficulte)\b"
    ),
    "delay": re.compile(
        r"\b(delay\w*|postpon\w*|paus(e|es|ed|ing)|push(es|ed)? back|slips?|slipped"
        r"|report(e|ee|es|ent)|retard\w*|repouss\w*|suspend\w*)\b"
    ),
    "relaxed": re.compile(
        r"\b(scrap\w*|repeal\w*|relax\w*|eas(e|es|ed|ing)|waiv\w*|exempt\w*|rolls? back"
        r"|loosen\w*|assoupl\w*|abrog\w*|allege\w*)\b"
    ),
    "restricted": re.compile(
        r"\b(restrict\w*|non-commercial|research[- ]only|revok\w*|pulls?|pulled|withdraw\w*"
        r"|locks? down|closes? (the )?weights|no longer open|restreint\w*|retir(e|ent) les poids"
        r"|licence restrictive|usage non commercial)\b"
    ),
    "limit": re.compile(
        r"\b(fails?|failed|fall short|falls short|struggl\w*|limits?|limitations?|flaws?"
        r"|can't|cannot|hallucinat\w*|overstat\w*|echou\w*|limites?|defaillan\w*)\b"
    ),
}

# Words that make a rise or a cut a move of *price*, not of rate limits or market share.
PRICE_WORDS = re.compile(
    r"\b(prices?|priced|pricing|costs?|fees?|rental|rents?|per (million|1m|thousand|1k) tokens"
    r"|tokens? costs?|subscriptions?|paid plans?|cheaper|costlier|pricier|more expensive"
    r"|moins cher\w*|plus cher\w*|prix|tarifs?|couts?|location|abonnements?)\b"
    r"|[$€£]\s?\d"
)


def normalise(text: str) -> str:
    """Lower-case, accent-free, straight apostrophes: the form every pattern here is written in."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.replace("\u2019", "'")


def directions(text: str) -> frozenset[str]:
    """Every direction ``text`` points to (``DIRECTIONS`` names)."""
    bare = normalise(text)
    found = {name for name, pattern in _PATTERNS.items() if pattern.search(bare)}
    if "glut" in found:
        found.discard("shortage")  # "the shortage eases" is a glut, not a shortage
    return frozenset(found)


def is_about_price(text: str) -> bool:
    """Whether ``text`` names a price, so that a rise or a cut is one of price."""
    return PRICE_WORDS.search(normalise(text)) is not None
