"""fetch_feed and fetch_all against a local server: conditional GET, gzip, redirects, limits.

These tests talk to 127.0.0.1, so they pass ``allow_private=True``; the address policy itself
is tested in test_news_ssrf.py.
"""

from __future__ import annotations

import gzip
import time

import pytest

from bot.news.fetch import FetchResult, Validators, fetch_all, fetch_feed
from tests.fakes.feed_server import Canned, FeedServer
from tests.fakes.feed_server import feed_server as feed_server_fixture  # noqa: F401


def _fetch(server: FeedServer, path: str, **kwargs: object) -> FetchResult:
    return fetch_feed(server.url(path), allow_private=True, **kwargs)  # type: ignore[arg-type]


def test_ok_returns_body_validators_and_type(feed_server: FeedServer) -> None:
    result = _fetch(feed_server, "/etag.xml")
    assert result.status == "ok"
    assert result.ok
    assert result.body == feed_server.routes["/etag.xml"].body  # type: ignore[union-attr]
    assert result.etag == '"v1"'
    assert result.last_modified == feed_server.routes["/etag.xml"].last_modified  # type: ignore[union-attr]
    assert result.content_type == "application/rss+xml"
    assert result.http_status == 200
    assert result.final_url == feed_server.url("/etag.xml")
    assert result.error is None and result.error_code is None


def test_sends_feed_friendly_headers(feed_server: FeedServer) -> None:
    _fetch(feed_server, "/rss2.xml")
    ((path, headers),) = feed_server.requests
    assert path == "/rss2.xml"
    assert "gzip" in headers["Accept-Encoding"]
    assert "application/rss+xml" in headers["Accept"]
    assert headers["User-Agent"].startswith("BuildVsBuyAdvisor/")
    assert "If-None-Match" not in headers and "If-Modified-Since" not in headers


def test_refetch_with_validators_costs_one_304(feed_server: FeedServer) -> None:
    first = _fetch(feed_server, "/etag.xml")
    second = _fetch(feed_server, "/etag.xml", etag=first.etag, last_modified=first.last_modified)
    assert second.status == "not_modified"
    assert second.body == b""
    assert second.etag == '"v1"'
    assert second.last_modified == first.last_modified
    assert feed_server.hits["/etag.xml"] == 2
    headers = feed_server.requests[-1][1]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == first.last_modified


def test_last_modified_alone_also_gets_304(feed_server: FeedServer) -> None:
    modified = feed_server.routes["/etag.xml"].last_modified  # type: ignore[union-attr]
    result = _fetch(feed_server, "/etag.xml", last_modified=modified)
    assert result.status == "not_modified"
    assert result.etag == '"v1"'  # the server's, learnt from the 304


def test_changed_etag_gets_the_full_body(feed_server: FeedServer) -> None:
    result = _fetch(feed_server, "/etag.xml", etag='"v0"')
    assert result.status == "ok"
    assert result.body.startswith(b"<?xml")


def test_gzip_is_decoded(feed_server: FeedServer) -> None:
    result = _fetch(feed_server, "/gzip.xml")
    assert result.status == "ok"
    assert result.body == feed_server.routes["/rss2.xml"].body  # type: ignore[union-attr]


def test_deflate_with_and_without_zlib_header_is_decoded(feed_server: FeedServer) -> None:
    import zlib

    body = feed_server.routes["/rss2.xml"].body  # type: ignore[union-attr]
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    deflate = {"Content-Encoding": "deflate"}
    feed_server.routes["/zlib.xml"] = Canned(zlib.compress(body), headers=deflate)
    feed_server.routes["/raw.xml"] = Canned(
        raw.compress(body) + raw.flush(), headers={"Content-Encoding": "deflate"}
    )
    assert _fetch(feed_server, "/zlib.xml").body == body
    assert _fetch(feed_server, "/raw.xml").body == body


def test_corrupt_gzip_is_an_error(feed_server: FeedServer) -> None:
    feed_server.routes["/corrupt.xml"] = Canned(
        gzip.compress(b"<rss></rss>")[:12] + b"garbage!", headers={"Content-Encoding": "gzip"}
    )
    result = _fetch(feed_server, "/corrupt.xml")
    assert (result.status, result.error_code) == ("error", "bad_encoding")


def test_unknown_content_encoding_is_an_error(feed_server: FeedServer) -> None:
    feed_server.routes["/br.xml"] = Canned(b"\x0b\x02\x80", headers={"Content-Encoding": "br"})
    assert _fetch(feed_server, "/br.xml").error_code == "bad_encoding"


def test_redirects_are_followed_and_final_url_reported(feed_server: FeedServer) -> None:
    result = _fetch(feed_server, "/redirect/rss2")
    assert result.status == "ok"
    assert result.final_url == feed_server.url("/rss2.xml")
    assert result.url == feed_server.url("/redirect/rss2")


def test_five_redirects_are_allowed(feed_server: FeedServer) -> None:
    # /chain/3 -> 2 -> 1 -> 0 -> /rss2.xml: four redirects
    assert _fetch(feed_server, "/chain/3").status == "ok"
    assert _fetch(feed_server, "/chain/3", max_redirects=3).error_code == "too_many_redirects"


def test_a_redirect_loop_stops_after_the_limit(feed_server: FeedServer) -> None:
    result = _fetch(feed_server, "/redirect/loop")
    assert (result.status, result.error_code) == ("error", "too_many_redirects")
    assert feed_server.hits["/redirect/loop"] == 6  # the first request and five redirects


def test_redirect_without_location_is_an_error(feed_server: FeedServer) -> None:
    assert _fetch(feed_server, "/redirect/no-location").error_code == "http_status"


@pytest.mark.parametrize("path", ["/huge.xml", "/huge-unannounced.xml", "/bomb.xml"])
def test_oversized_bodies_are_cut_at_the_cap(feed_server: FeedServer, path: str) -> None:
    started = time.monotonic()
    result = _fetch(feed_server, path, max_bytes=3_000_000)
    assert (result.status, result.error_code) == ("error", "too_large")
    assert result.body == b""
    assert time.monotonic() - started < 5


def test_a_small_cap_applies_to_an_ordinary_feed(feed_server: FeedServer) -> None:
    assert _fetch(feed_server, "/rss2.xml", max_bytes=100).error_code == "too_large"
    assert _fetch(feed_server, "/gzip.xml", max_bytes=100).error_code == "too_large"


@pytest.mark.parametrize("path", ["/trickle.xml", "/hang.xml"])
def test_slow_servers_are_cut_off_by_the_deadline(feed_server: FeedServer, path: str) -> None:
    started = time.monotonic()
    result = _fetch(feed_server, path, timeout=0.6)
    elapsed = time.monotonic() - started
    assert (result.status, result.error_code) == ("error", "timeout")
    assert 0.5 < elapsed < 2.5


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/page.html", "not_a_feed"),
        ("/json", "not_a_feed"),
        ("/error500", "http_status"),
        ("/empty", "empty"),
        ("/missing", "http_status"),
    ],
)
def test_non_feed_answers_are_error_results(feed_server: FeedServer, path: str, code: str) -> None:
    result = _fetch(feed_server, path)
    assert result.status == "error"
    assert result.error_code == code
    assert result.error


def test_http_status_is_named_in_the_error(feed_server: FeedServer) -> None:
    assert _fetch(feed_server, "/error500").error == "HTTP 500"


def test_connection_refused_is_an_error_result() -> None:
    server = FeedServer()
    url = server.url("/rss2.xml")
    server.stop()  # never started: the port is closed
    result = fetch_feed(url, allow_private=True, timeout=2)
    assert (result.status, result.error_code) == ("error", "network")


def test_fetch_all_fetches_each_distinct_url_once(feed_server: FeedServer) -> None:
    urls = [feed_server.url(p) for p in ("/rss2.xml", "/atom.xml", "/rss2.xml", "/rdf.xml")]
    results = fetch_all(urls + [urls[1]], allow_private=True)
    assert list(results) == [urls[0], urls[1], urls[3]]
    assert all(r.status == "ok" for r in results.values())
    assert feed_server.hits["/rss2.xml"] == 1
    assert feed_server.hits["/atom.xml"] == 1
    assert feed_server.hits["/rdf.xml"] == 1


def test_fetch_all_a_hanging_feed_does_not_hold_up_the_others(feed_server: FeedServer) -> None:
    paths = ["/hang.xml", "/rss2.xml", "/atom.xml", "/trickle.xml", "/rdf.xml", "/error500"]
    started = time.monotonic()
    results = fetch_all([feed_server.url(p) for p in paths], allow_private=True, timeout=0.8)
    elapsed = time.monotonic() - started
    status = {
        p: (results[feed_server.url(p)].status, results[feed_server.url(p)].error_code)
        for p in paths
    }
    assert status == {
        "/hang.xml": ("error", "timeout"),
        "/trickle.xml": ("error", "timeout"),
        "/rss2.xml": ("ok", None),
        "/atom.xml": ("ok", None),
        "/rdf.xml": ("ok", None),
        "/error500": ("error", "http_status"),
    }
    assert elapsed < 2.5  # in parallel: about one timeout, not two


def test_fetch_all_sends_each_feeds_own_validators(feed_server: FeedServer) -> None:
    etag_url, other_url = feed_server.url("/etag.xml"), feed_server.url("/rss2.xml")
    results = fetch_all(
        [etag_url, other_url],
        allow_private=True,
        validators={etag_url: Validators(etag='"v1"')},
    )
    assert results[etag_url].status == "not_modified"
    assert results[other_url].status == "ok"
    sent = {path: headers.get("If-None-Match") for path, headers in feed_server.requests}
    assert sent == {"/etag.xml": '"v1"', "/rss2.xml": None}


def test_a_gzip_bomb_is_never_decompressed_whole(feed_server: FeedServer) -> None:
    import tracemalloc

    tracemalloc.start()
    try:
        result = _fetch(feed_server, "/bomb.xml", max_bytes=1_000_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.error_code == "too_large"
    assert peak < 8_000_000  # the bomb is 40 MB decompressed
