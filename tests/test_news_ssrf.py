"""A feed URL must not reach inside our network: addresses, schemes, redirects, DNS pinning."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest

from bot.news.fetch import blocked_reason, fetch_feed, fetch_feed_async
from tests.fakes.feed_server import FeedServer, fake_resolver, rerouting_client
from tests.fakes.feed_server import feed_server as feed_server_fixture  # noqa: F401

PUBLIC_NAME = "news.example.com"
PUBLIC_IP = "93.184.215.14"  # a global unicast address; the rerouting transport never dials it


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.1.2.3", "a loopback address"),
        ("10.0.0.1", "a private address"),
        ("10.255.255.255", "a private address"),
        ("172.16.0.1", "a private address"),
        ("172.31.255.254", "a private address"),
        ("192.168.1.1", "a private address"),
        ("169.254.169.254", "a cloud metadata address"),
        ("169.254.10.10", "a link-local address"),
        ("0.0.0.0", "an unspecified address"),
        ("224.0.0.1", "a multicast address"),
        ("100.64.0.1", "a reserved address"),  # carrier-grade NAT
        ("100.100.100.200", "a cloud metadata address"),
        ("168.63.129.16", "a cloud metadata address"),  # public, but Azure's metadata host
        ("::1", "a loopback address"),
        ("::", "an unspecified address"),
        ("fc00::1", "a private address"),
        ("fd12:3456::1", "a private address"),
        ("fd00:ec2::254", "a cloud metadata address"),
        ("fe80::1", "a link-local address"),
        ("fe80::1%eth0", "a link-local address"),
        ("ff02::1", "a multicast address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("::ffff:10.1.2.3", "a private address"),
        ("::ffff:169.254.169.254", "a cloud metadata address"),
        ("::ffff:7f00:1", "a loopback address"),  # the same mapped address, in hex
        ("64:ff9b::7f00:1", "a loopback address"),  # NAT64 of 127.0.0.1
        ("2002:a00:1::", "a private address"),  # 6to4 of 10.0.0.1
        ("[::1]", "a loopback address"),
    ],
)
def test_internal_addresses_are_refused(address: str, reason: str) -> None:
    assert blocked_reason(address) == reason


@pytest.mark.parametrize("address", ["240.0.0.1", "255.255.255.255", "192.0.2.1", "2001:db8::1"])
def test_reserved_and_documentation_ranges_are_refused(address: str) -> None:
    assert blocked_reason(address) is not None


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "1.1.1.1",
        "172.32.0.1",
        "172.15.255.255",
        "192.169.0.1",
        "93.184.215.14",
        "2606:4700:4700::1111",
        "::ffff:8.8.8.8",
    ],
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert blocked_reason(address) is None


def test_junk_is_not_an_address() -> None:
    assert blocked_reason("not-an-ip") == "not an IP address"


@pytest.mark.parametrize(
    ("host", "code"),
    [
        ("127.0.0.1", "blocked_address"),
        ("localhost", "blocked_address"),
        ("[::1]", "blocked_address"),
        ("2130706433", "blocked_address"),  # 127.0.0.1 as one number
        ("0x7f.0.0.1", "blocked_address"),
        ("127.1", "blocked_address"),
        ("0177.0.0.1", "bad_url"),  # octal: the URL parser refuses it outright
    ],
)
def test_loopback_in_any_spelling_is_refused_before_any_request(
    feed_server: FeedServer, host: str, code: str
) -> None:
    url = f"http://{host}:{feed_server.port}/rss2.xml"
    result = fetch_feed(url)
    assert (result.status, result.error_code) == ("error", code)
    assert feed_server.hits["/rss2.xml"] == 0


def test_the_same_loopback_url_works_when_private_addresses_are_allowed(
    feed_server: FeedServer,
) -> None:
    assert fetch_feed(feed_server.url("/rss2.xml"), allow_private=True).status == "ok"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://ftp.example.com/feed.xml",
        "gopher://example.com:70/1",
        "javascript:alert(1)",
        "data:text/xml,<rss/>",
        "dict://127.0.0.1:11211/",
    ],
)
def test_non_http_schemes_are_refused(url: str) -> None:
    result = fetch_feed(url, allow_private=True)
    assert (result.status, result.error_code) == ("error", "bad_scheme")


@pytest.mark.parametrize("url", ["", "http://", "https:///path", "http://[::1/feed"])
def test_malformed_urls_are_error_results(url: str) -> None:
    result = fetch_feed(url, allow_private=True)
    assert result.status == "error"
    assert result.error_code in ("bad_url", "bad_scheme")


def test_an_unknown_name_is_a_dns_error() -> None:
    result = fetch_feed("http://nowhere.example/feed", resolver=fake_resolver({}))
    assert (result.status, result.error_code) == ("error", "dns")


def test_a_name_with_one_private_address_among_public_ones_is_refused() -> None:
    resolver = fake_resolver({PUBLIC_NAME: [PUBLIC_IP, "10.0.0.7"]})
    result = fetch_feed(f"http://{PUBLIC_NAME}/feed", resolver=resolver)
    assert result.error_code == "blocked_address"
    assert "private" in (result.error or "")


def _via_public_name(
    server: FeedServer, path: str, names: dict[str, list[str]] | None = None
) -> tuple[object, list[tuple[str, str, object]]]:
    """Fetch ``path`` as if from a public host; the transport delivers it to the local server."""

    async def run() -> tuple[object, list[tuple[str, str, object]]]:
        client, transport = rerouting_client(server)
        async with client:
            result = await fetch_feed_async(
                f"https://{PUBLIC_NAME}{path}",
                resolver=fake_resolver(names or {PUBLIC_NAME: [PUBLIC_IP]}),
                client=client,
            )
        return result, transport.seen

    return asyncio.run(run())


def test_the_seam_itself_lets_a_public_first_hop_through(feed_server: FeedServer) -> None:
    result, seen = _via_public_name(feed_server, "/rss2.xml")
    assert result.status == "ok"  # type: ignore[attr-defined]
    # The connection is pinned to the checked address; the name travels in Host and SNI.
    assert seen == [(PUBLIC_IP, PUBLIC_NAME, PUBLIC_NAME)]


def test_dns_is_asked_once_per_hop_and_the_answer_is_used(feed_server: FeedServer) -> None:
    answers = iter([[PUBLIC_IP], ["127.0.0.1"]])  # a rebinding DNS: public first, then loopback
    calls: list[str] = []

    def rebinding(host: str) -> list[str]:
        calls.append(host)
        return next(answers)

    async def run() -> tuple[object, list[tuple[str, str, object]]]:
        client, transport = rerouting_client(feed_server)
        async with client:
            result = await fetch_feed_async(
                f"https://{PUBLIC_NAME}/rss2.xml", resolver=rebinding, client=client
            )
        return result, transport.seen

    result, seen = asyncio.run(run())
    assert result.status == "ok"  # type: ignore[attr-defined]
    assert calls == [PUBLIC_NAME]
    assert [s[0] for s in seen] == [PUBLIC_IP]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/redirect/metadata", "a cloud metadata address"),
        ("/redirect/loopback", "a loopback address"),
        ("/redirect/private", "a private address"),
    ],
)
def test_a_redirect_to_an_internal_address_is_refused(
    feed_server: FeedServer, path: str, reason: str
) -> None:
    result, seen = _via_public_name(feed_server, path)
    assert result.status == "error"  # type: ignore[attr-defined]
    assert result.error_code == "blocked_address"  # type: ignore[attr-defined]
    assert reason in result.error  # type: ignore[attr-defined]
    assert len(seen) == 1  # the redirect target was never requested
    assert feed_server.hits["/rss2.xml"] == 0


@pytest.mark.parametrize(
    ("location", "address", "code", "detail"),
    [
        ("http://wiki.corp.internal/feed", "192.168.0.10", "blocked_address", "a private address"),
        ("http://cdn.example.net:6379/rss2.xml", "151.101.1.1", "blocked_port", "port 6379"),
    ],
)
def test_a_redirect_to_a_name_inside_or_to_another_port_is_refused(
    feed_server: FeedServer, location: str, address: str, code: str, detail: str
) -> None:
    feed_server.routes["/redirect/hop"] = lambda r, s: r.send_body(302, b"", {"Location": location})
    names = {PUBLIC_NAME: [PUBLIC_IP], str(urlsplit(location).hostname): [address]}
    result, seen = _via_public_name(feed_server, "/redirect/hop", names)
    assert result.error_code == code  # type: ignore[attr-defined]
    assert detail in result.error  # type: ignore[attr-defined]
    assert len(seen) == 1  # the redirect target was never requested


@pytest.mark.parametrize("path", ["/redirect/ftp", "/redirect/file"])
def test_a_redirect_to_another_scheme_is_refused(feed_server: FeedServer, path: str) -> None:
    result, seen = _via_public_name(feed_server, path)
    assert result.error_code == "bad_scheme"  # type: ignore[attr-defined]
    assert len(seen) == 1


def test_a_redirect_to_a_public_host_is_followed(feed_server: FeedServer) -> None:
    feed_server.routes["/redirect/elsewhere"] = lambda r, s: r.send_body(
        301, b"", {"Location": "https://cdn.example.net/rss2.xml"}
    )
    names = {PUBLIC_NAME: [PUBLIC_IP], "cdn.example.net": ["151.101.1.1"]}
    result, seen = _via_public_name(feed_server, "/redirect/elsewhere", names)
    assert result.status == "ok"  # type: ignore[attr-defined]
    assert result.final_url == "https://cdn.example.net/rss2.xml"  # type: ignore[attr-defined]
    assert seen == [
        (PUBLIC_IP, PUBLIC_NAME, PUBLIC_NAME),
        ("151.101.1.1", "cdn.example.net", "cdn.example.net"),
    ]


def test_redirect_to_loopback_is_allowed_only_when_private_is_allowed(
    feed_server: FeedServer,
) -> None:
    result = fetch_feed(feed_server.url("/redirect/loopback"), allow_private=True)
    assert result.status == "ok"
    assert feed_server.hits["/rss2.xml"] == 1


def test_an_international_name_is_resolved_and_sent_in_ascii(feed_server: FeedServer) -> None:
    asked: list[str] = []

    def resolver(host: str) -> list[str]:
        asked.append(host)
        return [PUBLIC_IP]

    async def run() -> tuple[object, list[tuple[str, str, object]]]:
        client, transport = rerouting_client(feed_server)
        async with client:
            result = await fetch_feed_async(
                "https://bücher.example/rss2.xml", resolver=resolver, client=client
            )
        return result, transport.seen

    result, seen = asyncio.run(run())
    assert result.status == "ok"  # type: ignore[attr-defined]
    assert asked == ["xn--bcher-kva.example"]
    assert seen == [(PUBLIC_IP, "xn--bcher-kva.example", "xn--bcher-kva.example")]


@pytest.mark.parametrize("address", ["fec0::1", "fec0:0:0:ffff::1", "feff:ffff::1"])
def test_site_local_ipv6_is_blocked(address: str) -> None:
    assert blocked_reason(address) == "a site-local address"
