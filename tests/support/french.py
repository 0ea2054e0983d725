"""French that a French tech manager would write (issue 14.5): the glossary at the top of the
French catalog, read as data, and the typography rules, checked on catalog entries and on what
the app renders (Slack blocks, terminal text)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FRENCH = Path(__file__).resolve().parents[2] / "bot" / "locales" / "fr"
GLOSSARY_FILE = FRENCH / "advisor.toml"  # the first file of the catalog: the glossary heads it
NBSP = "\u00a0"
NARROW_NBSP = "\u202f"

_GLOSSARY_LINE = re.compile(
    r"^# glossaire\u00a0: (?P<concept>[^=]+?) = (?P<term>.+?) \| (?P<banned>.+?)"
    r"(?: \| (?P<exempt>[\w.]+(?:, [\w.]+)*))?$"
)
# What is not prose: code, Slack's <links|…> and <@mentions>, bare URLs, {placeholders}.
_CODE_BLOCK = re.compile(r"```.*?```", re.S)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_SLACK_MARKUP = re.compile(r"<[^<>\s][^<>]*>")
_URL = re.compile(r"https?://\S+")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
# A « : ; ? ! » that ends a word: followed by a space, the end, or mrkdwn/closing marks
# (so 09:00, HH:MM, a:b and {team!r} are not punctuation).
_PUNCT = re.compile(r"[:;?!](?=$|[\s*_\")\]»,.])")
_DECIMAL_POINT = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")


@dataclass(frozen=True)
class Term:
    """One concept, the one French term chosen for it, and the variants no file may use."""

    concept: str
    term: str
    banned: tuple[re.Pattern[str], ...]
    exempt: frozenset[str]


def glossary() -> list[Term]:
    """The ``# glossaire : …`` lines at the top of the French catalog."""
    terms = []
    for line in GLOSSARY_FILE.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break  # the glossary is the catalog's opening comment
        match = _GLOSSARY_LINE.match(line)
        if match:
            terms.append(
                Term(
                    concept=match["concept"],
                    term=match["term"],
                    banned=tuple(
                        re.compile(p.strip(), re.I) for p in match["banned"].split(" ;; ")
                    ),
                    exempt=frozenset((match["exempt"] or "").split(", ")) - {""},
                )
            )
    return terms


def _flat(table: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, str]]:
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}.{key}")
        else:
            yield f"{prefix}.{key}", str(value)


def french_catalog() -> dict[str, str]:
    """Every French entry, by ``file.table.key``."""
    out: dict[str, str] = {}
    for path in sorted(FRENCH.glob("*.toml")):
        with path.open("rb") as fh:
            out.update(_flat(tomllib.load(fh), path.stem))
    return out


def prose(text: str, *, keep_code_blocks: bool = False) -> str:
    """``text`` without what is not French prose (code, links, mentions, URLs, placeholders);
    each removal leaves a letter so that a space before it still counts as one."""
    text = _CODE_BLOCK.sub(lambda m: m.group()[3:-3] if keep_code_blocks else "X", text)
    text = _CODE_SPAN.sub("X", text)
    text = _SLACK_MARKUP.sub("X", text)
    text = _URL.sub("X", text)
    return _PLACEHOLDER.sub("X", text)


def vocabulary_errors(text: str, file: str) -> list[str]:
    """The banned variants ``text`` (from catalog file ``file``, e.g. ``digest.toml``) uses."""
    words = prose(text)
    return [
        f"{pattern.pattern!r} ({term.concept}: say {term.term})"
        for term in glossary()
        if file not in term.exempt
        for pattern in term.banned
        if pattern.search(words)
    ]


def typography_errors(text: str) -> list[str]:
    """Where ``text`` breaks French typography: a « : ; ? ! % » without the no-break space
    before it, « » without one inside, a narrow no-break space (one kind everywhere), a
    decimal point (scores in code blocks included)."""
    errors = []
    words = prose(text)
    for match in _PUNCT.finditer(words):
        before = words[match.start() - 1] if match.start() else ""
        if before not in (NBSP, "?", "!"):
            errors.append(f"{match.group()!r} without a no-break space: {_around(words, match)}")
    for match in re.finditer("%", words):
        if match.start() and words[match.start() - 1] != NBSP:
            errors.append(f"'%' without a no-break space: {_around(words, match)}")
    for match in re.finditer("«", words):
        if words[match.end() : match.end() + 1] != NBSP:
            errors.append(f"'«' without a no-break space: {_around(words, match)}")
    for match in re.finditer("»", words):
        if words[match.start() - 1 : match.start()] != NBSP:
            errors.append(f"'»' without a no-break space: {_around(words, match)}")
    if NARROW_NBSP in text:
        errors.append("a narrow no-break space (U+202F): use U+00A0 everywhere")
    for match in _DECIMAL_POINT.finditer(prose(text, keep_code_blocks=True)):
        errors.append(f"decimal point in {match.group()!r}: French writes a comma")
    return errors


def _around(text: str, match: re.Match[str]) -> str:
    return repr(text[max(0, match.start() - 25) : match.end() + 10])


def block_texts(payload: Any) -> list[str]:
    """Every ``text`` string in a Slack message or view (blocks, fields, elements, options)."""
    out: list[str] = []
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key == "text" and isinstance(value, str):
                out.append(value)
            else:
                out += block_texts(value)
    elif isinstance(payload, list):
        for value in payload:
            out += block_texts(value)
    return out
