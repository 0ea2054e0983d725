"""A local HTTP server full of feeds, good and hostile, for the news pipeline's tests.

A stdlib ``ThreadingHTTPServer`` on 127.0.0.1 (an ephemeral port) in a thread. Every path is
a route: canned bytes (with ETag/Last-Modified and 304 support, optional gzip) or a handler
that misbehaves on purpose (redirects, a huge body, a gzip bomb, a body trickled forever,
a hang, HTML, a 500, JSON…). Requests are counted per path in ``hits`` and recorded with
their headers in ``requests``. Dates in the canned feeds are relative to when the server
started, so the stories are always fresh enough to rank.

Also here: ``rerouting_client`` and ``fake_resolver``, the seam for SSRF tests. The resolver
says a made-up public name resolves to a public address; the client's transport then
delivers every request, whatever address the fetcher pinned, to this server. That way the
first hop passes the address check honestly while a redirect target is judged for real.
"""

from __future__ import annotations

import contextlib
import gzip
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import httpx
import pytest

FEED_TYPE = "application/rss+xml"
ATOM_TYPE = "application/atom+xml"


@dataclass
class Canned:
    """A fixed answer; with ``etag`` or ``last_modified`` set, a matching conditional GET is 304."""

    body: bytes
    status: int = 200
    content_type: str = FEED_TYPE
    etag: str | None = None
    last_modified: str | None = None
    gzip: bool = False
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[["_RequestHandler", "FeedServer"], None]


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        feeds = self.server.feeds
        path = urlsplit(self.path).path
        feeds.record(path, dict(self.headers.items()))
        route = feeds.routes.get(path)
        if route is None:
            self.send_error(404)
        elif isinstance(route, Canned):
            self._send_canned(route)
        else:
            route(self, feeds)

    def send_body(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # a client that gives up early is what we test
            self.wfile.write(body)

    def _send_canned(self, canned: Canned) -> None:
        etag_hit = canned.etag and self.headers.get("If-None-Match") == canned.etag
        date_hit = canned.last_modified and (
            self.headers.get("If-Modified-Since") == canned.last_modified
        )
        validators = {}
        if canned.etag:
            validators["ETag"] = canned.etag
        if canned.last_modified:
            validators["Last-Modified"] = canned.last_modified
        if etag_hit or (date_hit and not self.headers.get("If-None-Match")):
            self.send_response(304)
            for name, value in validators.items():
                self.send_header(name, value)
            self.end_headers()
            return
        body = canned.body
        headers = {"Content-Type": canned.content_type, **validators, **canned.headers}
        if canned.gzip:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        self.send_body(canned.status, body, headers)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    feeds: FeedServer


class FeedServer:
    """The running server: ``url(path)``, ``routes``, ``hits`` and ``requests``."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC).replace(microsecond=0)
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _RequestHandler)
        self._server.feeds = self
        self.port: int = self._server.server_address[1]
        self.routes: dict[str, Canned | Handler] = default_routes(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def record(self, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.hits[path] += 1
            self.requests.append((path, headers))

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()  # releases the hanging and trickling handlers
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()


# --- feeds --------------------------------------------------------------------------------------


def rfc822(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def rss2(title: str, items: Iterable[dict[str, str]], encoding: str = "utf-8") -> str:
    """An RSS 2.0 document; item fields are inserted verbatim (escape them yourself)."""
    parts = [
        f'<?xml version="1.0" encoding="{encoding}"?>',
        '<rss version="2.0"><channel>',
        f"<title>{title}</title><link>https://outlet.example/</link>",
    ]
    for item in items:
        parts.append("<item>" + "".join(f"<{k}>{v}</{k}>" for k, v in item.items()) + "</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts)


def _atom(now: datetime) -> str:
    def stamp(hours: int) -> str:
        return (now - timedelta(hours=hours)).isoformat().replace("+00:00", "Z")

    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="text">Atom AI Weekly</title>
  <id>urn:uuid:60a76c80-d399-11d9-b93c-0003939e0af6</id>
  <updated>{stamp(1)}</updated>
  <entry>
    <title type="html">&lt;b&gt;Nvidia&lt;/b&gt; unveils Blackwell Ultra GPUs</title>
    <link rel="alternate" href="https://atom.example/2025/blackwell-ultra?utm_medium=feed#top"/>
    <id>tag:atom.example,2025:blackwell</id>
    <updated>{stamp(3)}</updated>
    <summary type="html">&lt;p&gt;More &lt;em&gt;compute&lt;/em&gt; for the frontier.&lt;/p&gt;
    </summary>
  </entry>
  <entry>
    <title>EU AI Act obligations for general-purpose models take effect</title>
    <link href="/2025/ai-act"/>
    <id>tag:atom.example,2025:ai-act</id>
    <published>{stamp(5)}</published>
    <updated>{stamp(4)}</updated>
    <content type="xhtml">
      <div xmlns="http://www.w3.org/1999/xhtml">Rules <b>apply</b>.</div>
    </content>
  </entry>
</feed>"""


def _rdf(now: datetime) -> str:
    stamp = (now - timedelta(hours=6)).isoformat()
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example/">
    <title>RDF Research Digest</title>
    <link>https://rdf.example/</link>
    <items><rdf:Seq><rdf:li rdf:resource="https://rdf.example/papers/scaling"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://rdf.example/papers/scaling">
    <title>Scaling laws hold for mixture-of-experts, study finds</title>
    <link>https://rdf.example/papers/scaling</link>
    <dc:date>{stamp}</dc:date>
    <description>A new paper.</description>
  </item>
</rdf:RDF>"""


def _odd_dates(now: datetime) -> str:
    far_future = rfc822(now + timedelta(days=400))
    return rss2(
        "Odd Dates",
        [
            {"title": "No date at all", "link": "https://odd.example/none"},
            {
                "title": "Garbage date",
                "link": "https://odd.example/garbage",
                "pubDate": "the day after tomorrow-ish",
            },
            {
                "title": "From the far future",
                "link": "https://odd.example/future",
                "pubDate": far_future,
            },
            {
                "title": "Offset date",
                "link": "https://odd.example/offset",
                "pubDate": "Tue, 10 Jun 2025 09:30:00 +0530",
            },
            {
                "title": "ISO date in RSS",
                "link": "https://odd.example/iso",
                "pubDate": "2025-06-10T12:00:00-04:00",
            },
        ],
    )


def _entities(now: datetime) -> str:
    when = rfc822(now - timedelta(hours=2))
    return rss2(
        "Entities &amp; Co",
        [
            {
                "title": "AT&amp;amp;T &amp;amp; OpenAI sign a deal",
                "link": "https://ent.example/1",
                "pubDate": when,
            },
            {
                "title": "<![CDATA[<b>Bold</b> &amp; <i>brash</i>: Claude gets cheaper]]>",
                "link": "https://ent.example/2",
                "pubDate": when,
            },
            {
                "title": "Caf&#233; &#x2014; caf&eacute;&#160;talk",
                "link": "https://ent.example/3",
                "pubDate": when,
                "description": "&lt;script&gt;alert(1)&lt;/script&gt;&lt;p&gt;Body &amp;amp; "
                "soul&lt;/p&gt;",
            },
            {
                "title": "",
                "link": "https://ent.example/4",
                "description": "Untitled but linked &amp; described.",
            },
            {"title": "", "description": "No title and no link: skipped."},
            {"title": "Bad link", "link": "javascript:alert(1)"},
        ],
    )


def _latin1(now: datetime) -> bytes:
    text = rss2(
        "Actualités IA",
        [
            {
                "title": "Mistral dévoile un modèle à poids ouverts",
                "link": "https://fr.example/1",
                "pubDate": rfc822(now - timedelta(hours=1)),
            }
        ],
    ).replace(' encoding="utf-8"', "")
    return text.encode("iso-8859-1")


def _cp1252(now: datetime) -> bytes:
    text = rss2(
        "Windows Feed",
        [
            {
                "title": "\u201cSmart quotes\u201d cost \u20ac5 \u2013 OpenAI cuts prices",
                "link": "https://win.example/1",
                "pubDate": rfc822(now - timedelta(hours=2)),
            }
        ],
        encoding="windows-1252",
    )
    return text.encode("windows-1252")


SAME_STORY_TITLE = "Mistral releases Magistral Small with open weights"


def _same_story(now: datetime, outlet: str, title: str, link: str, hours: int) -> str:
    return rss2(
        outlet,
        [
            {"title": title, "link": link, "pubDate": rfc822(now - timedelta(hours=hours))},
            {
                "title": f"{outlet} exclusive interview",
                "link": f"https://{outlet.lower()}.example/x",
                "pubDate": rfc822(now - timedelta(hours=30)),
            },
        ],
    )


def _rss2_main(now: datetime) -> str:
    return rss2(
        "Main AI News",
        [
            {
                "title": "OpenAI cuts GPT-4o prices by 50%",
                "link": "https://main.example/openai-prices?utm_source=rss&amp;id=7",
                "guid": "main-1",
                "pubDate": rfc822(now - timedelta(hours=2)),
                "description": "Cheaper &lt;b&gt;tokens&lt;/b&gt; for everyone.",
            },
            {
                "title": "Anthropic raises $13 billion",
                "link": "https://main.example/anthropic",
                "guid": "main-2",
                "pubDate": rfc822(now - timedelta(hours=20)),
            },
            {
                "title": "Researchers probe chain-of-thought faithfulness",
                "link": "https://main.example/cot",
                "guid": "main-3",
                "pubDate": rfc822(now - timedelta(hours=40)),
            },
        ],
    )


# --- misbehaving handlers -----------------------------------------------------------------------


def _redirect(location: str | Callable[[FeedServer], str], status: int = 302) -> Handler:
    def handle(request: _RequestHandler, server: FeedServer) -> None:
        target = location(server) if callable(location) else location
        request.send_body(status, b"", {"Location": target})

    return handle


def _chain(request: _RequestHandler, server: FeedServer) -> None:
    # /chain/3 -> /chain/2 -> /chain/1 -> /chain/0 -> /rss2.xml
    left = int(request.path.rsplit("/", 1)[1])
    target = "/rss2.xml" if left <= 0 else f"/chain/{left - 1}"
    server.routes.setdefault(target, _chain)
    request.send_body(302, b"", {"Location": target})


def _huge_unannounced(request: _RequestHandler, server: FeedServer) -> None:
    # No Content-Length: only the streaming cap can stop this one.
    request.send_response(200)
    request.send_header("Content-Type", FEED_TYPE)
    request.end_headers()
    try:
        request.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel><title>')
        chunk = b"x" * 65536
        for _ in range(80):  # about 5 MB
            if server.stopping.is_set():
                return
            request.wfile.write(chunk)
    except OSError:  # the client hung up, as it should
        return


def _trickle(request: _RequestHandler, server: FeedServer) -> None:
    request.send_response(200)
    request.send_header("Content-Type", FEED_TYPE)
    request.end_headers()
    try:
        request.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
        deadline = time.monotonic() + 60
        while not server.stopping.is_set() and time.monotonic() < deadline:
            request.wfile.write(b" ")
            time.sleep(0.05)
    except OSError:
        return


def _hang(request: _RequestHandler, server: FeedServer) -> None:
    server.stopping.wait(60)  # says nothing, not even a status line


def _bomb() -> bytes:
    # 40 MB of spaces compress to about 40 KB.
    return gzip.compress(b'<?xml version="1.0"?><rss version="2.0"><channel>' + b" " * 40_000_000)


_BOMB: bytes | None = None


def _gzip_bomb(request: _RequestHandler, server: FeedServer) -> None:
    global _BOMB
    if _BOMB is None:
        _BOMB = _bomb()
    request.send_body(200, _BOMB, {"Content-Type": FEED_TYPE, "Content-Encoding": "gzip"})


def default_routes(server: FeedServer) -> dict[str, Canned | Handler]:
    now = server.now
    modified = rfc822(now - timedelta(days=1))
    rss_main = _rss2_main(now).encode()
    return {
        "/rss2.xml": Canned(rss_main),
        "/atom.xml": Canned(_atom(now).encode(), content_type=ATOM_TYPE),
        "/rdf.xml": Canned(_rdf(now).encode(), content_type="application/rdf+xml"),
        "/odd-dates.xml": Canned(_odd_dates(now).encode()),
        "/entities.xml": Canned(_entities(now).encode()),
        "/latin1.xml": Canned(_latin1(now), content_type=f"{FEED_TYPE}; charset=iso-8859-1"),
        "/cp1252.xml": Canned(_cp1252(now), content_type="text/xml; charset=windows-1252"),
        "/same-a.xml": Canned(
            _same_story(
                now,
                "Alpha",
                SAME_STORY_TITLE,
                "https://mistral.example/news/magistral?utm_source=alpha&amp;utm_medium=rss",
                5,
            ).encode()
        ),
        "/same-b.xml": Canned(
            _same_story(
                now,
                "Beta",
                SAME_STORY_TITLE,
                "HTTPS://Mistral.example:443/news/magistral?fbclid=abc#comments",
                3,
            ).encode()
        ),
        "/same-c.xml": Canned(
            _same_story(
                now,
                "Gamma",
                "Mistral releases Magistral Small, with open weights!",
                "https://gamma.example/2025/mistral-magistral",
                4,
            ).encode()
        ),
        "/etag.xml": Canned(rss_main, etag='"v1"', last_modified=modified),
        "/gzip.xml": Canned(rss_main, gzip=True),
        "/redirect/rss2": _redirect("/rss2.xml", 301),
        "/redirect/loopback": _redirect(lambda s: f"http://127.0.0.1:{s.port}/rss2.xml"),
        "/redirect/metadata": _redirect("http://169.254.169.254/latest/meta-data/"),
        "/redirect/private": _redirect("http://10.0.0.5/feed.xml"),
        "/redirect/ftp": _redirect("ftp://ftp.example.com/feed.xml"),
        "/redirect/file": _redirect("file:///etc/passwd"),
        "/redirect/loop": _redirect("/redirect/loop"),
        "/redirect/no-location": lambda r, s: r.send_body(302, b"", {}),
        "/chain/3": _chain,
        "/chain/9": _chain,
        "/huge.xml": Canned(b'<?xml version="1.0"?><rss version="2.0">' + b" " * 4_000_000),
        "/huge-unannounced.xml": _huge_unannounced,
        "/bomb.xml": _gzip_bomb,
        "/trickle.xml": _trickle,
        "/hang.xml": _hang,
        "/page.html": Canned(
            b"<!DOCTYPE html><html><head><title>Blog</title></head><body>Hi</body></html>",
            content_type="text/html; charset=utf-8",
        ),
        "/error500": Canned(b"oops", status=500, content_type="text/plain"),
        "/json": Canned(
            b'{"version": "https://jsonfeed.org/version/1.1", "items": []}',
            content_type="application/json",
        ),
        "/empty": Canned(b"", content_type=FEED_TYPE),
        "/not-xml.xml": Canned(b"this is not a feed, just words\n", content_type="text/plain"),
    }


# --- the SSRF seam ------------------------------------------------------------------------------


def fake_resolver(names: dict[str, list[str]]) -> Callable[[str], list[str]]:
    """A resolver that knows only ``names``; any other host fails like an unknown name."""

    def resolve(host: str) -> list[str]:
        if host not in names:
            raise OSError(f"unknown host {host}")
        return list(names[host])

    return resolve


class ReroutingTransport(httpx.AsyncBaseTransport):
    """Delivers every request to the feed server, recording where it was meant to go."""

    def __init__(self, server: FeedServer) -> None:
        self.server = server
        self.seen: list[tuple[str, str, object]] = []  # (connect host, Host header, SNI)
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        sni = request.extensions.get("sni_hostname")
        self.seen.append((request.url.host, request.headers.get("host", ""), sni))
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.server.port)
        request.extensions = {k: v for k, v in request.extensions.items() if k != "sni_hostname"}
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def rerouting_client(server: FeedServer) -> tuple[httpx.AsyncClient, ReroutingTransport]:
    transport = ReroutingTransport(server)
    return httpx.AsyncClient(transport=transport, follow_redirects=False), transport


@pytest.fixture(name="feed_server")
def feed_server() -> Iterator[FeedServer]:
    """A fresh feed server per test (starting one takes about a millisecond).

    Import it under another name so the test's own ``feed_server`` argument does not shadow
    it: ``from tests.fakes.feed_server import feed_server as feed_server_fixture``.
    """
    server = FeedServer().start()
    try:
        yield server
    finally:
        server.stop()
