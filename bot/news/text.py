"""Turning feed markup into plain text that is safe to show in Slack.

Feeds put HTML, double-escaped entities, control characters and bidi overrides in titles;
a digest shows none of it. Plain text is what we store; ``bot.text.escape`` is applied at
the last moment, when a Slack message is built.
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

# Invisible characters that can reorder or hide text (spoofing) or that are plain noise.
_INVISIBLE = dict.fromkeys(
    [0x00AD, 0x200B, 0x200E, 0x200F, 0x2028, 0x2029, 0x2060, 0xFEFF]
    + list(range(0x202A, 0x202F))
    + list(range(0x2066, 0x206A))
)
_LEFTOVER_MARKUP = re.compile(r"<[a-zA-Z/!?]|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);")
_SKIPPED_TAGS = frozenset({"script", "style", "head", "title", "template", "noscript"})
_BREAKING_TAGS = frozenset({"br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4"})


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment, entities decoded, scripts and styles dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BREAKING_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS and self._skipping:
            self._skipping -= 1
        elif tag in _BREAKING_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _strip_markup(text: str) -> str:
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


def _drop_controls(text: str) -> str:
    out = []
    for ch in text.translate(_INVISIBLE):
        category = unicodedata.category(ch)
        if ch in "\t\n\r\f\v" or category == "Zs":
            out.append(" ")
        elif category in ("Cc", "Cs", "Co"):
            continue
        else:
            out.append(ch)
    return "".join(out)


def clean_text(value: str | None) -> str:
    """Plain text from a feed field: tags stripped, entities decoded, whitespace collapsed.

    Markup is stripped again while some is left, because feeds double- and triple-escape
    (``&amp;lt;b&amp;gt;``); a bounded number of rounds, so hostile input cannot spin.
    """
    if not value:
        return ""
    text = value
    for _ in range(5):
        stripped = _strip_markup(text)
        if stripped == text:
            break
        text = stripped
        if not _LEFTOVER_MARKUP.search(text):
            break
    text = unicodedata.normalize("NFC", _drop_controls(text))
    return " ".join(text.split())
