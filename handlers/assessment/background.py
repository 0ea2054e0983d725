"""Work that must wait until Slack has its ack: the LLM's narrative and ``ask`` answers.

A small pool of threads, created on first use (after gunicorn forks). Jobs never run before the
listener that submits them has acked, whatever Bolt's ``process_before_response`` mode, so a
slow or failing LLM can never make Slack give up on a request. A job that fails is logged with
an id and its ``on_error`` tells the user.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger(__name__)

WORKERS = 4
_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="advisor")
        return _pool


def run_after_ack(
    job: Callable[[], None], on_error: Callable[[BaseException], None]
) -> Future[None]:
    """Run ``job`` in the background; ``on_error(exception)`` if it raises."""

    def finished(future: Future[None]) -> None:
        error = future.exception()
        if error is not None:
            on_error(error)

    future = _executor().submit(job)
    future.add_done_callback(finished)
    return future
