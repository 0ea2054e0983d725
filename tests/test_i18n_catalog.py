"""Every message file exists in every language, with the same keys and the same placeholders."""

from __future__ import annotations

import threading
import time
import tomllib
from pathlib import Path
from string import Formatter

import pytest

from bot.i18n import LANGUAGES, catalog, placeholders

LOCALES = Path(__file__).resolve().parent.parent / "bot" / "locales"


def _flat(table: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            out.update(_flat(value, name))
        else:
            out[name] = value
    return out


def _load(lang: str, stem: str) -> dict[str, object]:
    with (LOCALES / lang / f"{stem}.toml").open("rb") as fh:
        return _flat(tomllib.load(fh))


STEMS = sorted({p.stem for lang in LANGUAGES for p in (LOCALES / lang).glob("*.toml")})


def test_there_are_catalogs() -> None:
    assert "advisor" in STEMS


@pytest.mark.parametrize("stem", STEMS)
def test_file_exists_in_every_language(stem: str) -> None:
    missing = [lang for lang in LANGUAGES if not (LOCALES / lang / f"{stem}.toml").exists()]
    assert missing == []


@pytest.mark.parametrize("stem", STEMS)
def test_same_keys_in_every_language(stem: str) -> None:
    reference = set(_load(LANGUAGES[0], stem))
    for lang in LANGUAGES[1:]:
        other = set(_load(lang, stem))
        assert sorted(reference - other) == [], f"missing in {lang}/{stem}.toml"
        assert sorted(other - reference) == [], f"only in {lang}/{stem}.toml"


@pytest.mark.parametrize("stem", STEMS)
def test_same_placeholders_in_every_language(stem: str) -> None:
    reference = _load(LANGUAGES[0], stem)
    for lang in LANGUAGES[1:]:
        other = _load(lang, stem)
        differ = {
            key: (placeholders(str(reference[key])), placeholders(str(other[key])))
            for key in reference.keys() & other.keys()
            if placeholders(str(reference[key])) != placeholders(str(other[key]))
        }
        assert differ == {}, f"{lang}/{stem}.toml"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("stem", STEMS)
def test_values_are_non_empty_well_formed_templates(stem: str, lang: str) -> None:
    for key, value in _load(lang, stem).items():
        assert isinstance(value, str) and value.strip(), f"{lang}/{stem}.toml: {key}"
        list(Formatter().parse(value))  # raises on a stray "{" or "}"


def test_the_catalog_loader_sees_the_advisor_in_both_languages() -> None:
    for lang in LANGUAGES:
        assert catalog(lang)["advisor.verdict.wrap"]


def test_threads_asking_at_once_load_a_language_once(monkeypatch):
    """A delivery run's 64 threads all want the catalog first thing: one of them loads it."""
    from bot import i18n

    files = len(list((LOCALES / "fr").glob("*.toml")))
    parsed: list[object] = []
    real_load = tomllib.load

    def counted(fh):
        parsed.append(fh)
        time.sleep(0.001)  # a slower parse: the others arrive while it runs
        return real_load(fh)

    monkeypatch.setattr(i18n, "_CATALOGS", {})
    monkeypatch.setattr(i18n.tomllib, "load", counted)
    start = threading.Barrier(16)
    answers: list[dict[str, str]] = []

    def ask() -> None:
        start.wait(10)
        answers.append(i18n.catalog("fr"))

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(answers) == 16 and all(a is answers[0] for a in answers)
    assert len(parsed) == files
