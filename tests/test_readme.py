"""The README stays true: every path its Layout section names exists. (Its Quick start is run as
written by ``.ci/run``.)"""

from __future__ import annotations

import io
import itertools
import re
from pathlib import Path

from bot.assess_cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")

_CODE = re.compile(r"`([^`]+)`")
_PATH = re.compile(r"^\.?[\w{},/.-]+$")  # no spaces, no calls: `handlers.register(…)` is code
_BRACES = re.compile(r"\{([^}]*)\}")
FILE_SUFFIXES = {".py", ".toml", ".json", ".md", ".ini", ".txt", ".mako", ".cfg", ".yml", ".yaml"}


def section(title: str) -> str:
    """The text under ``## title``, up to the next heading of that level."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def expand(pattern: str) -> list[str]:
    """``bot/locales/{en,fr}/`` -> ``bot/locales/en/``, ``bot/locales/fr/``."""
    parts = _BRACES.split(pattern)  # literal, choices, literal, choices, …
    choices = [[p] if i % 2 == 0 else p.split(",") for i, p in enumerate(parts)]
    return ["".join(combo) for combo in itertools.product(*choices)]


def layout_paths(text: str) -> list[str]:
    """Each backticked path of a bulleted list. A path with a slash is from the root; a bare
    file name (``config.py``) is in the folder its bullet opens with (``bot/``)."""
    paths = []
    for bullet in re.split(r"^- ", text, flags=re.M)[1:]:
        names = [n for n in _CODE.findall(bullet) if _PATH.match(n)]
        folder = names[0] if names and names[0].endswith("/") else ""
        for name in names:
            if "/" in name:
                paths.extend(expand(name))
            elif Path(name).suffix in FILE_SUFFIXES:  # not a module: `bot.migrations`
                paths.extend(expand(folder + name))
    return paths


def test_every_path_in_the_layout_section_exists() -> None:
    paths = layout_paths(section("Layout"))
    assert {"migrations/", "tests/fakes/", "tests/conftest.py", "bench/"} <= set(paths)
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert missing == [], f"README's Layout names paths that do not exist: {missing}"


def test_the_path_reader_finds_paths_and_leaves_code_alone() -> None:
    text = (
        "- `bot/`: `config.py` and `gone.py` (`create_app`), `x.register(app)`\n"
        "  `alembic -c migrations/alembic.ini check`\n"
        "- `tests/{a,b}/`: `tests/fakes/`, `c.py`; installed as `bot.migrations`\n"
        "- `name.toml` (no folder first: from the root)\n"
    )
    assert layout_paths(text) == [
        "bot/", "bot/config.py", "bot/gone.py",
        "tests/a/", "tests/b/", "tests/fakes/", "tests/a/c.py", "tests/b/c.py", "name.toml",
    ]  # fmt: skip


_EXAMPLE = re.compile(
    r"\$ echo '(?P<answers>\{[^']*\})' \\\n\s+\| python -m bot assess --answers - --format text"
    r"(?: --lang (?P<lang>\w+))?\n```\n\n```text\n(?P<out>.*?)```",
    re.S,
)


def test_the_advice_section_shows_what_the_terminal_prints_in_each_language() -> None:
    examples = list(_EXAMPLE.finditer(section("The advice, in full")))
    assert {m.group("lang") or "en" for m in examples} == {"en", "fr"}
    for example in examples:
        out, err = io.StringIO(), io.StringIO()
        argv = ["--answers", "-", "--format", "text", "--lang", example.group("lang") or "en"]
        code = main(argv, stdin=io.StringIO(example.group("answers")), stdout=out, stderr=err)
        assert (code, err.getvalue()) == (0, "")
        assert out.getvalue() == example.group("out")
