"""The one text form every ``ask`` pattern and the ranking are written for."""

from __future__ import annotations

import re
import unicodedata

_TOKEN = re.compile(r"[a-z0-9]+")


def normalise(text: str) -> str:
    """Lower-case, accent-free, straight apostrophes, one space: ``Pénurie`` is ``penurie``.

    Accents are dropped one for one (NFKD then combining marks removed), so a match found in
    this form points at the same characters of the original, which evidence quotes.
    """
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFC", text).lower())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " ")


def tokens(text: str) -> list[str]:
    """Words for the ranking: normalised, split on anything not a letter or digit, a plural
    ``s`` dropped so "tickets" finds "ticket"."""
    out = []
    for word in _TOKEN.findall(normalise(text)):
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return out
