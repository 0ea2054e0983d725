"""A tiny HTTP/1.1 server that answers ``{"ok": true}`` once per connection and then closes
it without saying so (no ``Connection: close``), as Slack does with a connection left idle."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


class ClosingServer:
    def __init__(self) -> None:
        self.requests = 0
        self.connections = 0
        self.closed = 0
        self._changed = threading.Condition()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else each answer waits for a delayed ACK (40 ms)

            def setup(self) -> None:
                super().setup()
                with owner._changed:
                    owner.connections += 1

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                data = json.dumps({"ok": True, "channel": "C1", "ts": "1.1"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                with owner._changed:
                    owner.requests += 1
                self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        original = self._server.shutdown_request

        def closed(request: Any) -> None:
            original(request)
            with self._changed:
                self.closed += 1
                self._changed.notify_all()

        self._server.shutdown_request = closed  # type: ignore[method-assign]
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/api/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def wait_closed(self, count: int) -> None:
        """Until the server has closed ``count`` connections."""
        with self._changed:
            assert self._changed.wait_for(lambda: self.closed >= count, timeout=5)

    def __enter__(self) -> ClosingServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
