"""Fetching feeds without letting a feed URL reach inside our network or hold a worker hostage.

Feed URLs come from workspace admins, so every fetch is treated as hostile input:

- only http and https; every hop of a redirect is checked again (redirects are followed here,
  by hand, never by the HTTP client);
- unless private addresses are allowed, the host is resolved once, every address it resolves
  to must be public (no loopback, private, link-local, reserved, multicast, unspecified or
  cloud-metadata address, also when hidden inside an IPv6 form), and the connection is then
  pinned to that checked address (Host header and TLS SNI keep the name), so a second DNS
  answer cannot swap in an internal address; the port must be one the operator allows (80 and
  443 by default), so a feed URL cannot knock on a public host's mail or database port;
- a connect and read timeout per operation and one deadline for the whole fetch, so a server
  that trickles bytes forever is cut off;
- a byte cap on the *decoded* body (gzip is decompressed here, in bounded steps, so a small
  compressed bomb cannot blow up memory);
- HTML pages, JSON, empty or oversized bodies are error results. No exception escapes:
  a broken feed must never stop the others.

``fetch_feed`` and ``fetch_all`` are synchronous (they run their own event loop, for workers
and the CLI); async callers use ``fetch_feed_async`` and ``fetch_all_async``.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
import socket
import time
import zlib
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal, NamedTuple, ParamSpec, TypeVar

import httpx

logger = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")

USER_AGENT = "BuildVsBuyAdvisor/0.1 (news digest feed reader)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
OK_STATUSES = frozenset({200, 203})

FetchStatus = Literal["ok", "not_modified", "error"]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], Iterable[str]]
"""Turns a host name into the IP addresses it resolves to (a seam for tests)."""

# Error codes are stable ids: the message catalog has a sentence for each
# (``news.fetch_error.<code>``), and storage records them against the feed.
ERROR_CODES: tuple[str, ...] = (
    "bad_url",
    "bad_scheme",
    "blocked_address",
    "blocked_port",
    "dns",
    "network",
    "timeout",
    "too_many_redirects",
    "http_status",
    "too_large",
    "bad_encoding",
    "empty",
    "not_a_feed",
)

CLOUD_METADATA: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, Oracle
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure wire server (a public address)
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SITE_LOCAL = ipaddress.ip_network("fec0::/10")  # deprecated (RFC 3879) but still routed
DEFAULT_PORTS: frozenset[int] = frozenset({80, 443})
_SCHEME_PORTS = {"http": 80, "https": 443}


class Validators(NamedTuple):
    """What the last successful fetch of a feed returned, for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The outcome of fetching one feed URL: plain data, ready to be stored."""

    url: str
    status: FetchStatus
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    final_url: str = ""
    content_type: str | None = None
    http_status: int | None = None
    error_code: str | None = None
    error: str | None = None
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class FetchError(Exception):
    """A refusal or failure with a stable code; turned into an error result, never raised out."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


# --- address policy ----------------------------------------------------------------------


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses that an IPv6 address carries and that a router may deliver to."""
    found: list[ipaddress.IPv4Address] = []
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if ip in _NAT64:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def _reason(ip: IPAddress) -> str | None:
    if ip in CLOUD_METADATA:
        return "a cloud metadata address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_private:
        return "a private address"
    if ip in _SITE_LOCAL:
        return "a site-local address"
    if ip.is_reserved or not ip.is_global:
        return "a reserved address"
    return None


def blocked_reason(address: str | IPAddress) -> str | None:
    """Why ``address`` must not be fetched (``"a loopback address"``…), or None if it is public.

    IPv4-mapped IPv6 addresses are judged as the IPv4 address they stand for; 6to4, Teredo
    and NAT64 forms are judged as themselves and as the IPv4 address inside them.
    """
    if isinstance(address, str):
        try:
            ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0].strip("[]"))
        except ValueError:
            return "not an IP address"
    else:
        ip = address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return _reason(ip.ipv4_mapped)
        for inner in _embedded_ipv4(ip):
            reason = _reason(inner)
            if reason:
                return reason
    return _reason(ip)


def system_resolver(host: str) -> list[str]:
    """Every address the system resolver gives for ``host`` (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def _public_addresses(host: str, resolver: Resolver) -> list[str]:
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        try:
            addresses = list(await asyncio.to_thread(resolver, host))
        except (OSError, UnicodeError) as exc:
            raise FetchError("dns", f"cannot resolve {host}") from exc
    else:
        addresses = [str(literal)]
    if not addresses:
        raise FetchError("dns", f"{host} has no address")
    for address in addresses:
        reason = blocked_reason(address)
        if reason:
            raise FetchError("blocked_address", f"{host} resolves to {reason}")
    return addresses


# --- one hop -----------------------------------------------------------------------------


def _check_url(url: str | httpx.URL) -> httpx.URL:
    try:
        parsed = httpx.URL(url) if isinstance(url, str) else url
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise FetchError("bad_url", "not a valid URL") from exc
    if parsed.scheme not in ("http", "https"):
        raise FetchError("bad_scheme", f"only http and https are fetched, not {parsed.scheme!r}")
    if not parsed.host:
        raise FetchError("bad_url", "the URL has no host")
    return parsed


def _host_header(url: httpx.URL) -> str:
    host = url.raw_host.decode("ascii")
    if ":" in host:
        host = f"[{host}]"
    return host if url.port is None else f"{host}:{url.port}"


def _check_port(url: httpx.URL, ports: frozenset[int]) -> None:
    port = url.port or _SCHEME_PORTS[url.scheme]
    if port not in ports:
        allowed = ", ".join(str(p) for p in sorted(ports))
        raise FetchError("blocked_port", f"port {port} is not allowed (only {allowed})")


async def _route(
    url: httpx.URL, *, allow_private: bool, ports: frozenset[int], resolver: Resolver
) -> tuple[httpx.URL, dict[str, str], dict[str, object]]:
    """The URL to connect to, extra headers and request extensions for one hop.

    Allowing private addresses (a development setting) lifts the port rule too: a feed
    server on a laptop listens wherever it likes.
    """
    if allow_private:
        return url, {}, {}
    host = url.raw_host.decode("ascii")  # IDNA-encoded, as DNS and TLS want it
    addresses = await _public_addresses(host, resolver)
    _check_port(url, ports)
    pinned = url.copy_with(host=addresses[0])
    extensions: dict[str, object] = {}
    if url.scheme == "https":
        extensions["sni_hostname"] = host
    return pinned, {"Host": _host_header(url)}, extensions


class _Decoder:
    """Content-Encoding decoding with a hard cap on the decoded size."""

    def __init__(self, encoding: str, limit: int) -> None:
        encoding = encoding.strip().lower()
        self._left = limit
        if encoding in ("", "identity"):
            self._z = None
        elif encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = zlib.decompressobj(zlib.MAX_WBITS)
        else:
            raise FetchError("bad_encoding", f"unsupported content encoding {encoding!r}")
        self._raw_deflate_tried = encoding != "deflate"

    def _spend(self, data: bytes) -> bytes:
        self._left -= len(data)
        if self._left < 0:
            raise FetchError("too_large", "the response is larger than the size limit")
        return data

    def feed(self, chunk: bytes) -> bytes:
        if self._z is None:
            return self._spend(chunk)
        out = bytearray()
        data = chunk
        while data and not self._z.eof:
            try:
                piece = self._z.decompress(data, self._left + 1)
            except zlib.error:
                if self._raw_deflate_tried:
                    raise
                # Some servers send raw deflate without the zlib header.
                self._raw_deflate_tried = True
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                continue
            self._raw_deflate_tried = True
            out += self._spend(piece)
            data = self._z.unconsumed_tail
        return bytes(out)

    def finish(self) -> bytes:
        if self._z is None:
            return b""
        tail = self._spend(self._z.flush())
        if not self._z.eof:
            raise FetchError("bad_encoding", "the compressed response is truncated")
        return tail


_FEED_MARKERS = (b"<rss", b"<feed", b"<rdf:rdf", b"<rdf", b"<channel")
_HTML_MARKERS = (b"<!doctype html", b"<html")


def _check_feed_shape(body: bytes) -> None:
    """Reject bodies that are plainly not a feed; leave the subtle cases to the parser."""
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not head:
        raise FetchError("empty", "the response is empty")
    if any(marker in head for marker in _FEED_MARKERS):
        return
    if any(marker in head for marker in _HTML_MARKERS):
        raise FetchError("not_a_feed", "the response is an HTML page, not a feed")
    if head[:1] in (b"{", b"["):
        raise FetchError("not_a_feed", "the response is JSON, not an RSS or Atom feed")


async def _read_body(response: httpx.Response, max_bytes: int) -> bytes:
    encoding = response.headers.get("content-encoding", "")
    declared = response.headers.get("content-length", "")
    identity = encoding.strip().lower() in ("", "identity")
    if identity and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError("too_large", "the response is larger than the size limit")
    decoder = _Decoder(encoding, max_bytes)
    body = bytearray()
    try:
        async for chunk in response.aiter_raw():
            body += decoder.feed(chunk)
        body += decoder.finish()
    except zlib.error as exc:
        raise FetchError("bad_encoding", "the compressed response is corrupt") from exc
    return bytes(body)


def _request_headers(validators: Validators) -> dict[str, str]:
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def _timeouts(timeout: float) -> httpx.Timeout:
    return httpx.Timeout(timeout, connect=min(timeout, 5.0))


def new_client(timeout: float = 10, concurrency: int = 8) -> httpx.AsyncClient:
    """An HTTP client fit for feed fetching.

    No environment proxies (they would bypass the address check), no redirects, no
    keep-alive: connections are pinned to a checked address per host, and a pooled
    connection must never carry a request for another host that shares an address.
    """
    return httpx.AsyncClient(
        timeout=_timeouts(timeout),
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=0),
    )


async def _fetch(
    url: str,
    *,
    client: httpx.AsyncClient,
    validators: Validators,
    allow_private: bool,
    ports: frozenset[int],
    timeout: float,
    max_bytes: int,
    max_redirects: int,
    resolver: Resolver,
) -> FetchResult:
    target = _check_url(url)
    for _hop in range(max_redirects + 1):
        connect_url, extra, extensions = await _route(
            target, allow_private=allow_private, ports=ports, resolver=resolver
        )
        request = client.build_request(
            "GET",
            connect_url,
            headers={**_request_headers(validators), **extra},
            extensions=extensions,
            timeout=_timeouts(timeout),
        )
        response = await client.send(request, stream=True, follow_redirects=False)
        try:
            status = response.status_code
            if status in REDIRECT_STATUSES:
                location = response.headers.get("location")
                if not location:
                    raise FetchError("http_status", f"HTTP {status} without a Location")
                try:
                    next_url = target.join(location)
                except (httpx.InvalidURL, ValueError) as exc:
                    raise FetchError("bad_url", "the redirect points to an invalid URL") from exc
                target = _check_url(next_url)
                continue
            etag = response.headers.get("etag") or None
            last_modified = response.headers.get("last-modified") or None
            if status == 304:
                return FetchResult(
                    url=url,
                    status="not_modified",
                    etag=etag or validators.etag,
                    last_modified=last_modified or validators.last_modified,
                    final_url=str(target),
                    http_status=status,
                )
            if status not in OK_STATUSES:
                raise FetchError("http_status", f"HTTP {status}")
            body = await _read_body(response, max_bytes)
            _check_feed_shape(body)
            return FetchResult(
                url=url,
                status="ok",
                body=body,
                etag=etag,
                last_modified=last_modified,
                final_url=str(target),
                content_type=response.headers.get("content-type"),
                http_status=status,
            )
        finally:
            await response.aclose()
    raise FetchError("too_many_redirects", f"more than {max_redirects} redirects")


def _error(url: str, code: str, detail: str, started: float) -> FetchResult:
    return FetchResult(
        url=url,
        status="error",
        final_url=url,
        error_code=code,
        error=detail,
        elapsed=time.monotonic() - started,
    )


def _host_of(url: str) -> str:
    try:
        return httpx.URL(url).host or "?"
    except (httpx.InvalidURL, TypeError, ValueError):
        return "?"


async def fetch_feed_async(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    allow_private: bool = False,
    ports: frozenset[int] = DEFAULT_PORTS,
    timeout: float = 10,
    max_bytes: int = 3_000_000,
    max_redirects: int = 5,
    client: httpx.AsyncClient | None = None,
    resolver: Resolver | None = None,
) -> FetchResult:
    """Fetch one feed; ``timeout`` bounds the whole fetch, redirects included."""
    started = time.monotonic()
    own_client = client is None
    http = client if client is not None else new_client(timeout)
    try:
        result = await asyncio.wait_for(
            _fetch(
                url,
                client=http,
                validators=Validators(etag, last_modified),
                allow_private=allow_private,
                ports=ports,
                timeout=timeout,
                max_bytes=max_bytes,
                max_redirects=max_redirects,
                resolver=resolver or system_resolver,
            ),
            timeout,
        )
    except FetchError as exc:
        result = _error(url, exc.code, exc.detail, started)
    except (TimeoutError, httpx.TimeoutException):
        result = _error(url, "timeout", f"no complete answer within {timeout:g} s", started)
    except httpx.HTTPError as exc:
        result = _error(url, "network", type(exc).__name__, started)
    except OSError as exc:
        result = _error(url, "network", exc.strerror or type(exc).__name__, started)
    except Exception:  # isolation boundary: one broken feed must never stop the others
        logger.exception("unexpected failure fetching a feed on %s", _host_of(url))
        result = _error(url, "network", "unexpected failure", started)
    finally:
        if own_client:
            await http.aclose()
    if result.status == "error":
        logger.info("feed on %s failed: %s (%s)", _host_of(url), result.error_code, result.error)
        return result
    return replace(result, elapsed=time.monotonic() - started)


def _blocking(fetch: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, T]:
    """``fetch`` for synchronous code (not from inside a running event loop)."""

    @functools.wraps(fetch)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        return asyncio.run(fetch(*args, **kwargs))

    return run


fetch_feed = _blocking(fetch_feed_async)


async def fetch_all_async(
    urls: Iterable[str],
    *,
    validators: Mapping[str, Validators] | None = None,
    allow_private: bool = False,
    ports: frozenset[int] = DEFAULT_PORTS,
    timeout: float = 10,
    max_bytes: int = 3_000_000,
    max_redirects: int = 5,
    concurrency: int = 8,
    client: httpx.AsyncClient | None = None,
    resolver: Resolver | None = None,
) -> dict[str, FetchResult]:
    """Fetch each distinct URL once, ``concurrency`` at a time; results keyed by URL.

    Each fetch has its own deadline, so one hanging feed delays the run by at most
    ``timeout`` and never stops the others.
    """
    distinct = list(dict.fromkeys(urls))
    known = validators or {}
    gate = asyncio.Semaphore(max(1, concurrency))
    own_client = client is None
    http = client if client is not None else new_client(timeout, concurrency)

    async def one(url: str) -> FetchResult:
        seen = known.get(url, Validators())
        async with gate:
            return await fetch_feed_async(
                url,
                etag=seen.etag,
                last_modified=seen.last_modified,
                allow_private=allow_private,
                ports=ports,
                timeout=timeout,
                max_bytes=max_bytes,
                max_redirects=max_redirects,
                client=http,
                resolver=resolver,
            )

    try:
        results = await asyncio.gather(*(one(url) for url in distinct))
    finally:
        if own_client:
            await http.aclose()
    return dict(zip(distinct, results, strict=True))


fetch_all = _blocking(fetch_all_async)  # for the worker and the CLI
