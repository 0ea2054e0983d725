"""A local OpenAI-compatible server for tests: real HTTP, real client, scripted misbehaviour.

It answers ``POST /v1/chat/completions`` (and ``/chat/completions``) in the shape of the
``CreateChatCompletionResponse`` schema of tests/data/openai/openapi.json, refuses what the
spec requires and is missing (``model``, ``messages``) and a wrong Bearer key, and can be told
to be slow, fail with 500 or 429, send garbage, empty content or no choices.

A request with ``"stream": true`` is answered the way OpenAI streams: Server-Sent Events, one
``data: {...}`` line per ``chat.completion.chunk`` (``CreateChatCompletionStreamResponse``: a
first chunk with the role, the content in pieces, a last one with the finish reason), then
``data: [DONE]``, over a chunked HTTP/1.1 response. Streaming modes: ``drop`` (the connection
is cut after ``after`` pieces, mid-answer), ``stall`` (silence after ``after`` pieces for
``delay`` seconds), ``drip`` (a piece every ``delay`` seconds, without end).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.support.data import data_path

API_KEY = "sk-test-fake-key-0123456789"
MODES = (
    "normal",
    "slow",
    "error_500",
    "rate_limited",
    "garbage",
    "empty",
    "no_choices",
    "drop",
    "stall",
    "drip",
)
STREAMING = ("drop", "stall", "drip")  # modes only a streamed request shows
PATHS = ("/v1/chat/completions", "/chat/completions")


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]  # names lower-cased
    body: Any


@dataclass
class Behaviour:
    mode: str = "normal"
    content: str = "Plug into the grid. Ship a product, not a model."
    delay: float = 0.0
    retry_after: int = 1
    pieces: tuple[str, ...] = ()  # the streamed content's pieces (default: word by word)
    after: int = 2  # pieces sent before a drop or a stall


def openapi_spec() -> dict[str, Any]:
    """OpenAI's OpenAPI document (tests/data/openai)."""
    return json.loads(data_path("openai", "openapi.json").read_text(encoding="utf-8"))


def _error(message: str, type_: str, code: str | None = None, param: str | None = None) -> dict:
    """An error body shaped like OpenAI's ErrorResponse."""
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def completion(model: str, content: str | None) -> dict[str, Any]:
    """A successful CreateChatCompletionResponse."""
    return {
        "id": "chatcmpl-fake0001",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 42, "completion_tokens": 12, "total_tokens": 54},
    }


def chunk(model: str, delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    """One CreateChatCompletionStreamResponse (``object``: ``chat.completion.chunk``)."""
    return {
        "id": "chatcmpl-fake0001",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
    }


def pieces_of(text: str) -> tuple[str, ...]:
    """``text`` word by word, each word with the space before it (as models stream)."""
    words = text.split(" ")
    return tuple([words[0], *(" " + w for w in words[1:])]) if text else ()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and hung up is expected here, not a failure


class FakeOpenAI:
    """The server, its base URL, the requests it saw, and how it should behave next."""

    def __init__(self) -> None:
        self.behaviour = Behaviour()
        self.requests: list[Recorded] = []
        self._stopping = threading.Event()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def api_key(self) -> str:
        return API_KEY

    def behave(self, mode: str, **options: Any) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {MODES}")
        self.behaviour = Behaviour(mode=mode, **options)

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in "slow" mode
        if self._thread.is_alive():  # shutdown() would wait forever on a loop never started
            self._server.shutdown()
        self._server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
                pass  # keep test output clean

            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body: Any = json.loads(raw or b"null")
                except ValueError:
                    body = None
                fake.requests.append(
                    Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                fake._respond(self, body)

        return Handler

    def _send(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        payload: Any,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> None:
        data = raw if raw is not None else json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _respond(self, handler: BaseHTTPRequestHandler, body: Any) -> None:
        if handler.path not in PATHS:
            self._send(
                handler, 404, _error(f"Unknown path {handler.path}", "invalid_request_error")
            )
            return
        if handler.headers.get("Authorization") != f"Bearer {API_KEY}":
            self._send(
                handler,
                401,
                _error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
            )
            return
        if not isinstance(body, dict):
            self._send(
                handler,
                400,
                _error(
                    "We could not parse the JSON body of your request.", "invalid_request_error"
                ),
            )
            return
        for required in ("model", "messages"):
            if required not in body:
                self._send(
                    handler,
                    400,
                    _error(
                        f"Missing required parameter: '{required}'.",
                        "invalid_request_error",
                        "missing_required_parameter",
                        required,
                    ),
                )
                return
        if not isinstance(body["messages"], list) or not body["messages"]:
            self._send(
                handler,
                400,
                _error(
                    "'messages' must be a non-empty array.",
                    "invalid_request_error",
                    None,
                    "messages",
                ),
            )
            return

        b = self.behaviour
        model = str(body["model"])
        if body.get("stream") is True and b.mode in ("normal", "slow", "empty", *STREAMING):
            self._stream(handler, model, b)
        elif b.mode == "slow":
            self._stopping.wait(b.delay)
            self._send(handler, 200, completion(model, b.content))
        elif b.mode == "error_500":
            self._send(handler, 500, _error("The server had an error.", "server_error"))
        elif b.mode == "rate_limited":
            self._send(
                handler,
                429,
                _error("Rate limit reached.", "requests", "rate_limit_exceeded"),
                headers={"Retry-After": str(b.retry_after)},
            )
        elif b.mode == "garbage":
            self._send(handler, 200, None, raw=b"<html>502 Bad Gateway</html> {not json")
        elif b.mode == "empty":
            self._send(handler, 200, completion(model, ""))
        elif b.mode == "no_choices":
            payload = completion(model, b.content)
            del payload["choices"]
            self._send(handler, 200, payload)
        else:
            self._send(handler, 200, completion(model, b.content))

    def _stream(self, handler: BaseHTTPRequestHandler, model: str, b: Behaviour) -> None:
        """The answer as Server-Sent Events in a chunked response, misbehaving as told."""
        if b.mode == "slow":
            self._stopping.wait(b.delay)
        handler.protocol_version = "HTTP/1.1"  # chunked transfer: the end of body is explicit
        handler.close_connection = True
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream; charset=utf-8")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()

        def event(data: str) -> None:
            line = f"data: {data}\n\n".encode()
            handler.wfile.write(f"{len(line):x}\r\n".encode() + line + b"\r\n")
            handler.wfile.flush()

        content = "" if b.mode == "empty" else b.content
        pieces = b.pieces or pieces_of(content)
        event(json.dumps(chunk(model, {"role": "assistant", "content": "", "refusal": None})))
        sent = 0
        while b.mode == "drip" and not self._stopping.is_set():
            event(json.dumps(chunk(model, {"content": pieces[sent % len(pieces)]})))
            sent += 1
            self._stopping.wait(b.delay)
        for piece in pieces:
            if b.mode in ("drop", "stall") and sent == b.after:
                if b.mode == "stall":
                    self._stopping.wait(b.delay)
                return  # cut: no closing chunk, the connection just ends
            event(json.dumps(chunk(model, {"content": piece})))
            sent += 1
        event(json.dumps(chunk(model, {}, "stop")))
        event("[DONE]")
        handler.wfile.write(b"0\r\n\r\n")


@pytest.fixture
def openai_server() -> Iterator[FakeOpenAI]:
    """A running fake OpenAI server for one test (``.base_url``, ``.api_key``, ``.behave()``)."""
    server = FakeOpenAI().start()
    try:
        yield server
    finally:
        server.stop()
