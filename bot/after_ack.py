"""Bounded work per workspace: the listener threads and the jobs that wait for the ack.

Post-ack jobs (the LLM's narrative and ``ask`` answers) run in one small pool per process,
owned by the app's ``Services`` and created on first use (after gunicorn forks). Jobs never run
before the listener that submits them has acked, whatever Bolt's ``process_before_response``
mode, so a slow or failing LLM can never make Slack give up on a request. A job that fails is
handed to its ``on_error``, which tells the user.

One workspace must not slow another down (issue 13.4): 40 requests of one workspace, each
sleeping on Slack's ``Retry-After``, once held all the listener threads and other workspaces'
requests got Bolt's 404. So each workspace has a bounded share (:class:`Shares`) of the
listener threads (:class:`ListenerPool`, taken by the app around Bolt's dispatch)
and of the post-ack queue; past its share a workspace is told "busy, try again in a moment"
(:class:`Busy`) while the others are served as usual.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Literal

from bot.errors import UserError

WORKERS = 8
# Bolt runs each listener (its ack, then its Web API calls) on a pool of this many threads and
# answers Slack once ack() is called. Bolt's default of 5 threads let five slow views.open
# calls hold back every other request's ack (bench/bench_ack.py).
LISTENER_THREADS = 32
# Post-ack jobs: running at once for one workspace (of WORKERS), waiting for one, waiting in all.
TEAM_RUNNING = 2
TEAM_WAITING = 8
QUEUE_LIMIT = 64
# Listener threads one workspace may hold at once: half of LISTENER_THREADS, so another always
# finds room, and a burst of a dozen people waiting on a slow Slack is served whole.
TEAM_LISTENERS = LISTENER_THREADS // 2


# In a Bolt request's context: its workspace had its share of listener threads (bot.app).
OVER_SHARE = "over_share"


class Busy(UserError):
    """This workspace already has its share of work in flight: try again in a moment."""

    key = "errors.busy"


class Shares:
    """How many units of work each workspace has in flight, each capped at ``share``."""

    def __init__(self, share: int) -> None:
        self.share = share
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, team_id: str) -> bool:
        """One unit for ``team_id`` if it has fewer than its share (then it must ``give``)."""
        with self._lock:
            held = self._held.get(team_id, 0)
            if held >= self.share:
                return False
            self._held[team_id] = held + 1
            return True

    def give(self, team_id: str) -> None:
        with self._lock:
            held = self._held.get(team_id, 0) - 1
            if held > 0:
                self._held[team_id] = held
            else:
                self._held.pop(team_id, None)

    def held(self, team_id: str) -> int:
        with self._lock:
            return self._held.get(team_id, 0)


class ListenerPool(ThreadPoolExecutor):
    """Bolt's listener executor, where each workspace holds at most its share of threads.

    The app takes the workspace's share in Bolt's request thread around its whole dispatch
    (:meth:`share`); when Bolt hands the listener to this pool, the share goes with it and is
    given back when the listener finishes, however long after the ack that is. A request that
    never reaches the pool (no listener, or Bolt running it in the request thread) gives it
    back when its dispatch returns.
    """

    def __init__(self, max_workers: int = LISTENER_THREADS, share: int = TEAM_LISTENERS) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="listener")
        self.shares = Shares(share)
        self._pending = threading.local()

    @contextmanager
    def share(self, team_id: str) -> Iterator[bool]:
        """Yields whether ``team_id`` got a share for the request this thread is handling."""
        if not self.shares.take(team_id):
            yield False
            return
        self._pending.team_id = team_id
        try:
            yield True
        finally:
            if getattr(self._pending, "team_id", None) is not None:
                self._pending.team_id = None
                self.shares.give(team_id)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        team_id: str | None = getattr(self._pending, "team_id", None)
        if team_id is None:
            return super().submit(fn, *args, **kwargs)
        self._pending.team_id = None

        def run() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                self.shares.give(team_id)

        try:
            return super().submit(run)
        except BaseException:
            self.shares.give(team_id)
            raise


class AfterAck:
    """A lazily started thread pool for post-ack jobs, shared fairly between workspaces.

    A workspace runs at most ``team_running`` jobs at once, so that others always find a free
    thread; its further jobs wait in its own queue (at most ``team_waiting``, and
    ``limit`` in all), and past that the job is refused with :class:`Busy`.
    """

    def __init__(
        self,
        workers: int = WORKERS,
        *,
        team_running: int = TEAM_RUNNING,
        team_waiting: int = TEAM_WAITING,
        limit: int = QUEUE_LIMIT,
    ) -> None:
        self._workers = workers
        self._team_running = team_running
        self._team_waiting = team_waiting
        self._limit = limit
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._running: dict[str, int] = {}
        self._waiting: dict[str, deque[Callable[[], None]]] = {}
        self._waiting_count = 0

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=self._workers, thread_name_prefix="advisor"
                )
            return self._pool

    def submit(
        self,
        job: Callable[[], None],
        on_error: Callable[[BaseException], None],
        team_id: str | None = None,
    ) -> Future[None]:
        """Run ``job`` in the background; ``on_error(exception)`` if it raises, or at once with
        :class:`Busy` when ``team_id`` has its share running and its queue is full."""
        team = team_id or ""
        future: Future[None] = Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                job()
            except BaseException as error:  # noqa: BLE001 - handed to on_error below
                future.set_exception(error)
                on_error(error)
            else:
                future.set_result(None)
            finally:
                self._finished(team)

        with self._lock:
            room = self._room(team)
            if room == "run":
                self._running[team] = self._running.get(team, 0) + 1
            elif room == "wait":
                self._waiting.setdefault(team, deque()).append(run)
                self._waiting_count += 1
        if room is None:  # told outside the lock: telling calls Slack, other submits wait
            refused = Busy()
            future.set_exception(refused)
            on_error(refused)
        elif room == "run":
            self._executor().submit(run)
        return future

    def has_room(self, team_id: str | None) -> bool:
        """Whether a job of ``team_id`` submitted now would be taken (not refused with
        :class:`Busy`): a listener can then say "busy" in its ack rather than in a second
        message. Only a hint: a job submitted after it may still be refused."""
        with self._lock:
            return self._room(team_id or "") is not None

    def _room(self, team: str) -> Literal["run", "wait"] | None:
        """Under the lock: whether a job of ``team`` would run now, wait in its queue, or
        neither (it would be refused)."""
        if self._running.get(team, 0) < self._team_running:
            return "run"
        if (
            len(self._waiting.get(team, ())) < self._team_waiting
            and self._waiting_count < self._limit
        ):
            return "wait"
        return None

    def _finished(self, team: str) -> None:
        """A job of ``team`` ended: its next waiting job takes the thread, if it has one."""
        with self._lock:
            queue = self._waiting.get(team)
            if queue:
                following = queue.popleft()
                self._waiting_count -= 1
                if not queue:
                    del self._waiting[team]
            else:
                following = None
                self._running[team] -= 1
                if not self._running[team]:
                    del self._running[team]
        if following is not None:
            self._executor().submit(following)
