"""One spelling per link, so the same story from two feeds (or two campaigns) is one item.

The canonical form is also the storage key of an item, so it must be stable: applying
``canonical_url`` twice gives the same string as applying it once.
"""

from __future__ import annotations

from urllib.parse import SplitResult, unquote_plus, urlsplit, urlunsplit

DEFAULT_PORTS: dict[str, int] = {"http": 80, "https": 443}

# Parameters that identify a campaign or a click, never the page itself.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "ref",
        "ref_src",
        "ref_url",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wt.mc_id",
        "li_fat_id",
        "s_cid",
        "cmpid",
        "sr_share",
        "guccounter",
    }
)
TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "__hs", "pk_", "mtm_")


def is_tracking_param(name: str) -> bool:
    """True for query parameter names that only track clicks (``utm_source``, ``fbclid``…)."""
    key = unquote_plus(name).strip().lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _host_and_port(parts: SplitResult) -> str:
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal: urlsplit drops the brackets
        host = f"[{host}]"
    host = host.rstrip(".") if not host.startswith("[") else host
    try:
        port = parts.port
    except ValueError:  # not a number: keep what the feed wrote rather than guess
        return parts.netloc.rsplit("@", 1)[-1].lower()
    if port is None or DEFAULT_PORTS.get(parts.scheme.lower()) == port:
        return host
    return f"{host}:{port}"


def _netloc(parts: SplitResult) -> str:
    userinfo = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return userinfo + _host_and_port(parts)


def _clean_query(query: str) -> str:
    # Filter the raw pieces instead of re-encoding them, so what is kept stays byte-identical.
    kept = [p for p in query.split("&") if p and not is_tracking_param(p.split("=", 1)[0])]
    return "&".join(kept)


def canonical_url(url: str) -> str:
    """The canonical spelling of ``url``.

    Scheme and host lower-cased, default port and fragment dropped, tracking parameters
    dropped (the others kept in order), an empty path written ``/``. A string that is not
    an absolute URL comes back stripped and otherwise unchanged.
    """
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return text
    if not parts.scheme or not parts.netloc:
        return text
    scheme = parts.scheme.lower()
    path = parts.path or "/"
    return urlunsplit((scheme, _netloc(parts), path, _clean_query(parts.query), ""))


def web_url(url: str | None) -> str | None:
    """The canonical form of an http(s) link with a host, or None for anything else.

    Feeds carry ``javascript:``, ``mailto:`` and relative junk in their links; none of it
    may reach a Slack message.
    """
    if not url:
        return None
    canonical = canonical_url(url).replace(" ", "%20")
    try:
        parts = urlsplit(canonical)
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in canonical):
        return None
    return canonical
