"""canonical_url: one spelling per link (hand-written table), and stable under repetition."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.news.canonical import canonical_url, is_tracking_param, web_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # scheme and host lower-cased, path case kept
        ("HTTPS://Example.COM/News/Item", "https://example.com/News/Item"),
        # default ports dropped, others kept
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("http://example.com:443/a", "http://example.com:443/a"),
        # empty path becomes "/"
        ("https://example.com", "https://example.com/"),
        ("https://example.com?x=1", "https://example.com/?x=1"),
        # fragment dropped
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/a?b=1#top", "https://example.com/a?b=1"),
        # tracking parameters dropped, the rest kept in order
        ("https://example.com/a?utm_source=rss&utm_medium=feed", "https://example.com/a"),
        ("https://example.com/a?id=7&utm_campaign=x&page=2", "https://example.com/a?id=7&page=2"),
        ("https://example.com/a?z=1&a=2", "https://example.com/a?z=1&a=2"),
        ("https://example.com/a?fbclid=IwAR0&gclid=xyz", "https://example.com/a"),
        ("https://example.com/a?mc_cid=1&mc_eid=2&q=ai", "https://example.com/a?q=ai"),
        ("https://example.com/a?ref=hn&ref_src=twsrc", "https://example.com/a"),
        ("https://example.com/a?igshid=abc&msclkid=d", "https://example.com/a"),
        ("https://example.com/a?UTM_Source=X&keep=1", "https://example.com/a?keep=1"),
        # parameters that merely look similar are kept
        (
            "https://example.com/a?reference=1&utmost=2",
            "https://example.com/a?reference=1&utmost=2",
        ),
        # values are kept byte for byte (no re-encoding)
        ("https://example.com/s?q=a%20b+c&utm_source=x", "https://example.com/s?q=a%20b+c"),
        # blank pieces vanish; a key without a value stays
        ("https://example.com/a?&flag&", "https://example.com/a?flag"),
        # trailing dot of a fully qualified host dropped
        ("https://example.com./a", "https://example.com/a"),
        # IPv6 literals keep their brackets
        ("http://[2001:DB8::1]:80/feed", "http://[2001:db8::1]/feed"),
        # surrounding whitespace
        ("  https://example.com/a \n", "https://example.com/a"),
    ],
)
def test_canonical_url_table(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("not a url", "not a url"),
        ("/relative/path", "/relative/path"),
        ("mailto:someone@example.com", "mailto:someone@example.com"),
    ],
)
def test_non_absolute_urls_come_back_as_they_were(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://Example.com/a?utm_source=x", "https://example.com/a"),
        ("http://example.com/a b", "http://example.com/a%20b"),
        ("javascript:alert(1)", None),
        ("mailto:a@example.com", None),
        ("ftp://example.com/feed", None),
        ("/relative", None),
        ("https:///no-host", None),
        ("", None),
        (None, None),
    ],
)
def test_web_url_keeps_only_http_links(raw: str | None, expected: str | None) -> None:
    assert web_url(raw) == expected


@pytest.mark.parametrize(
    ("name", "tracking"),
    [
        ("utm_source", True),
        ("utm_whatever", True),
        ("fbclid", True),
        ("ref", True),
        ("id", False),
        ("page", False),
        ("referrer", False),
    ],
)
def test_is_tracking_param(name: str, tracking: bool) -> None:
    assert is_tracking_param(name) is tracking


_params = st.lists(
    st.tuples(
        st.sampled_from(["id", "page", "q", "utm_source", "fbclid", "ref", "lang", "Utm_Medium"]),
        st.text(alphabet="abcXYZ019-_.~%", max_size=6),
    ),
    max_size=5,
)


@settings(max_examples=150, deadline=None)
@given(
    scheme=st.sampled_from(["http", "HTTP", "https", "HttpS"]),
    host=st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,10}\.(com|ORG|io)", fullmatch=True),
    port=st.sampled_from(["", ":80", ":443", ":8080"]),
    path=st.from_regex(r"(/[A-Za-z0-9._~-]{0,8}){0,3}", fullmatch=True),
    params=_params,
    fragment=st.sampled_from(["", "#x", "#"]),
)
def test_canonical_url_is_stable_and_drops_tracking(
    scheme: str, host: str, port: str, path: str, params: list[tuple[str, str]], fragment: str
) -> None:
    query = "&".join(f"{k}={v}" for k, v in params)
    url = f"{scheme}://{host}{port}{path}{'?' + query if query else ''}{fragment}"
    once = canonical_url(url)
    assert canonical_url(once) == once
    assert "#" not in once
    assert once.startswith(scheme.lower() + "://" + host.lower())
    kept = [f"{k}={v}" for k, v in params if not is_tracking_param(k)]
    assert once.endswith("?" + "&".join(kept)) if kept else "?" not in once
