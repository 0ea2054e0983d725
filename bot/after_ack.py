"""Work that must wait until Slack has its ack: the LLM's narrative and ``ask`` answers.

One small pool per process, owned by the app's ``Services`` and created on first use (after
gunicorn forks). Jobs never run before the listener that submits them has acked, whatever
Bolt's ``process_before_response`` mode, so a slow or failing LLM can never make Slack give up
on a request. A job that fails is handed to its ``on_error``, which tells the user.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

WORKERS = 4


class AfterAck:
    """A lazily started thread pool for post-ack jobs."""

    def __init__(self, workers: int = WORKERS) -> None:
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=self._workers, thread_name_prefix="advisor"
                )
            return self._pool

    def submit(
        self, job: Callable[[], None], on_error: Callable[[BaseException], None]
    ) -> Future[None]:
        """Run ``job`` in the background; ``on_error(exception)`` if it raises."""

        def finished(future: Future[None]) -> None:
            error = future.exception()
            if error is not None:
                on_error(error)

        future = self._executor().submit(job)
        future.add_done_callback(finished)
        return future
