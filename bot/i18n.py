"""The message catalog: every user-facing sentence lives in ``bot/locales/<lang>/*.toml``.

Keys are ``<file stem>.<table>.<key>`` (``advisor.verdict.wrap``); values are ``str.format``
templates. A second language is a translation of those files, never a code change.
"""

from __future__ import annotations

import threading
import tomllib
from pathlib import Path
from string import Formatter

LANGUAGES: tuple[str, ...] = ("en", "fr")
DEFAULT_LANGUAGE = "en"
_LOCALES = Path(__file__).with_name("locales")


def _flatten(prefix: str, table: dict, out: dict[str, str]) -> None:
    for key, value in table.items():
        name = f"{prefix}.{key}"
        if isinstance(value, dict):
            _flatten(name, value, out)
        else:
            out[name] = str(value)


_CATALOGS: dict[str, dict[str, str]] = {}
_LOADING = threading.Lock()


def catalog(lang: str) -> dict[str, str]:
    """All messages of one language, loaded once, by one thread: a worker's first delivery
    run asks from 64 threads at once, and each loading its own copy cost 0.8 s of CPU
    (756 TOML parses) instead of 12 ms."""
    loaded = _CATALOGS.get(lang)
    if loaded is not None:
        return loaded
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    with _LOADING:
        loaded = _CATALOGS.get(lang)
        if loaded is None:
            loaded = _CATALOGS[lang] = _load(lang)
    return loaded


def _load(lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted((_LOCALES / lang).glob("*.toml")):
        with path.open("rb") as fh:
            _flatten(path.stem, tomllib.load(fh), out)
    return out


def placeholders(template: str) -> set[str]:
    """The ``{name}`` fields a template expects (used to check translations agree)."""
    return {field for _, field, _, _ in Formatter().parse(template) if field}


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    """The message ``key`` in ``lang`` (English when the language lacks it), formatted."""
    messages = catalog(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    template = messages.get(key)
    if template is None:
        template = catalog(DEFAULT_LANGUAGE)[key]  # KeyError names a missing key in tests
    return template.format(**params) if params else template


def language_of_locale(locale: str | None) -> str | None:
    """A person's language from their Slack locale: French for ``fr-*``, English for any other
    (Slack has no other language we speak), None when Slack did not say."""
    if not locale:
        return None
    return "fr" if locale.lower().split("-")[0] == "fr" else "en"


def decimal(value: float, lang: str, places: int = 2) -> str:
    """``value`` with ``places`` decimals as ``lang`` writes them (0.45 in English, 0,45 in
    French): the separator is a catalog entry, so a language stays a translation."""
    return f"{value:.{places}f}".replace(".", t("format.decimal_separator", lang))


def has(key: str, lang: str = DEFAULT_LANGUAGE) -> bool:
    return key in catalog(lang)
