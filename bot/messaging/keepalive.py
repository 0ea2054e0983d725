"""Keep-alive connections to Slack's Web API, shared by every client of a process.

slack_sdk's ``WebClient`` opens a new connection (TCP, and TLS on slack.com) for every call
and closes it after the answer: during a digest run that was 28 % of the delivery CPU.
``KeepAliveWebClient`` sends the same request over a connection taken from a process-wide pool
of idle HTTP/1.1 connections and gives it back once the answer is read. Everything else
(retry handlers, 429 and Retry-After, errors) stays slack_sdk's: the override returns what
slack_sdk's own urllib call returns and raises what it raises (``URLError`` when the request
could not be sent, ``HTTPError`` for a non-2xx answer, the raw error when the answer was lost).

A pooled connection the server has closed while it sat idle is noticed before reuse (the
socket reads as ready: EOF) and replaced, so a write is never sent down a dead connection.
"""

from __future__ import annotations

import http.client
import io
import os
import select
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient

# Slack closes idle connections after a while; past this age we don't even try one.
IDLE_SECONDS = 30.0
# Idle connections kept per host: one per delivery thread is plenty (DIGEST_DELIVERY_CONCURRENCY).
MAX_IDLE = 128

Key = tuple[str, str, int]


class ConnectionPool:
    """Idle connections per (scheme, host, port); a thread takes one for one request."""

    def __init__(
        self,
        idle_seconds: float = IDLE_SECONDS,
        max_idle: int = MAX_IDLE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.idle_seconds = idle_seconds
        self.max_idle = max_idle
        self.clock = clock
        self._idle: dict[Key, list[tuple[float, http.client.HTTPConnection]]] = {}
        self._lock = threading.Lock()
        self._tls: ssl.SSLContext | None = None
        self.opened = 0  # connections made since start: what the tests and the bench count

    def _context(self) -> ssl.SSLContext:
        # One context for the process: building one loads the CA bundle (milliseconds).
        with self._lock:
            if self._tls is None:
                self._tls = ssl.create_default_context()
            return self._tls

    def take(
        self, key: Key, timeout: float, context: ssl.SSLContext | None = None
    ) -> http.client.HTTPConnection:
        """An idle live connection to ``key``, or a new (not yet connected) one."""
        now = self.clock()
        while True:
            with self._lock:
                idle = self._idle.get(key)
                if not idle:
                    break
                since, conn = idle.pop()
            if now - since < self.idle_seconds and not _dropped(conn):
                conn.timeout = timeout
                if conn.sock is not None and conn.sock.gettimeout() != timeout:
                    conn.sock.settimeout(timeout)  # a system call: only when it changes
                return conn
            conn.close()
        self.sweep()
        scheme, host, port = key
        with self._lock:
            self.opened += 1
        if scheme == "https":
            return http.client.HTTPSConnection(
                host, port, timeout=timeout, context=context or self._context()
            )
        return http.client.HTTPConnection(host, port, timeout=timeout)

    def give(self, key: Key, conn: http.client.HTTPConnection) -> None:
        """Back to the pool after a complete answer; closed when the pool is full."""
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < self.max_idle:
                idle.append((self.clock(), conn))
                return
        conn.close()

    def sweep(self) -> None:
        """Close the idle connections that are too old or closed by their server (on a miss
        only: they would otherwise sit there, one per host never called again)."""
        now = self.clock()
        with self._lock:
            idle = [
                (key, since, conn) for key, pairs in self._idle.items() for since, conn in pairs
            ]
        dead = {
            id(conn)
            for _, since, conn in idle
            if now - since >= self.idle_seconds or _dropped(conn)
        }
        if not dead:
            return
        removed: list[tuple[float, http.client.HTTPConnection]] = []
        with self._lock:
            for key, pairs in list(self._idle.items()):
                kept: list[tuple[float, http.client.HTTPConnection]] = []
                for since, conn in pairs:
                    (removed if id(conn) in dead else kept).append((since, conn))
                if kept:
                    self._idle[key] = kept
                else:
                    del self._idle[key]
        for _, conn in removed:  # only those still idle: another thread may have taken one
            conn.close()

    def clear(self) -> None:
        """Close every idle connection (a forked child must not share its parent's sockets)."""
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for _, conn in connections:
                conn.close()

    def idle(self) -> int:
        with self._lock:
            return sum(len(connections) for connections in self._idle.values())


def _dropped(conn: http.client.HTTPConnection) -> bool:
    """True when an idle connection can't be used: closed, or readable (EOF or stray bytes)."""
    sock = conn.sock
    if sock is None:
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


POOL = ConnectionPool()
os.register_at_fork(after_in_child=POOL.clear)


class KeepAliveWebClient(WebClient):
    """slack_sdk's WebClient whose HTTP calls reuse the process's pooled connections."""

    pool: ConnectionPool = POOL

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        parts = urlsplit(url)
        if self.proxy is not None or parts.scheme not in ("http", "https") or not parts.hostname:
            return super()._perform_urllib_http_request_internal(url, req)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        key = (parts.scheme, parts.hostname, port)
        conn = self.pool.take(key, self.timeout, self.ssl)
        selector = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            conn.request("POST", selector, body=req.data, headers=dict(req.header_items()))
        except OSError as err:  # not sent (refused, no route, reset while sending): as urllib
            conn.close()
            raise URLError(err) from err
        try:
            resp = conn.getresponse()
            body = resp.read()
        except BaseException:  # the answer was lost: the caller decides (bot.messaging.client)
            conn.close()
            raise
        if resp.will_close:
            conn.close()
        else:
            self.pool.give(key, conn)
        if not 200 <= resp.status < 300:
            raise HTTPError(url, resp.status, resp.reason, resp.headers, io.BytesIO(body))
        if resp.headers.get_content_type() == "application/gzip":
            return {"status": resp.status, "headers": resp.headers, "body": body}
        charset = resp.headers.get_content_charset() or "utf-8"
        return {"status": resp.status, "headers": resp.headers, "body": body.decode(charset)}
