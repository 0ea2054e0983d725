"""Database work of many delivery threads, done together (a "group commit").

A delivery run sends to hundreds of teams at once, and each send needs its claim committed
before it and its outcome committed after it. One transaction per claim and per outcome
would make the database the run's bottleneck; so a thread that finds the database free runs
every call waiting at that moment in one transaction, and each caller gets back its own
answer once that transaction has committed: to the caller, exactly what a transaction of its
own would have given it, only sooner under load.

When the shared transaction fails, each call is run again alone, so one bad row (a team
purged mid-run) fails only its own caller.

The batches of one ``Batched`` run one after another, so they share one connection, checked
out (and pinged) once and given back by ``close``: a checkout per batch cost a ``SELECT 1``
round trip, a pool checkout and a new ``Connection`` each time, about a third of a small
batch's CPU. A batch that fails gives its connection back; the next takes a fresh one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Generic, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from bot.db import SessionFactory, session_scope, write_options

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


class _Call(Generic[T, R]):
    """One caller's item and answer, and the lock it sleeps on until it is answered or
    handed the lead (one lock per caller: waking one never wakes them all)."""

    __slots__ = ("item", "done", "result", "error", "_asleep")

    def __init__(self, item: T) -> None:
        self.item = item
        self.done = False
        self.result: R | None = None
        self.error: BaseException | None = None
        self._asleep = threading.Lock()
        self._asleep.acquire()

    def sleep(self) -> None:
        self._asleep.acquire()

    def wake(self) -> None:
        self._asleep.release()

    def answer(self) -> R:
        if self.error is not None:
            raise self.error
        return self.result  # type: ignore[return-value]


class Batched(Generic[T, R]):
    """``work(session, items)`` answers each item in order; calling ``batched(item)`` from
    any thread runs it, with whatever else is waiting, in one transaction, and returns its
    answer (or raises its error) once that transaction has committed."""

    def __init__(
        self,
        sessions: SessionFactory,
        work: Callable[[Session, list[T]], Sequence[R]],
        *,
        write: bool = False,
    ) -> None:
        self._sessions = sessions
        self._work = work
        self._write = write  # see bot.db.session_scope
        self._lock = threading.Lock()
        self._waiting: list[_Call[T, R]] = []
        self._busy = False  # a caller is running a batch; the next one waits its turn
        self._held: Connection | None = None  # shared by the batches, one at a time
        self.transactions = 0  # how many transactions ran (for tests)
        self.checkouts = 0  # how many connections the batches took from the pool (for tests)

    def close(self) -> None:
        """Give the batches' connection back to the pool (after the last call)."""
        with self._lock:
            held, self._held = self._held, None
        if held is not None:
            held.close()

    def __call__(self, item: T) -> R:
        call: _Call[T, R] = _Call(item)
        with self._lock:
            self._waiting.append(call)
            leads, self._busy = not self._busy, True
        if not leads:
            call.sleep()  # until answered, or handed the lead by the caller before
        if not call.done:
            self._lead(call)
        return call.answer()

    def _lead(self, call: _Call[T, R]) -> None:
        with self._lock:
            batch, self._waiting = self._waiting, []
        try:
            self._run(batch)
        finally:
            for each in batch:  # only after an interrupt: nobody may sleep forever
                if not each.done:
                    each.error, each.done = RuntimeError("batch interrupted"), True
            with self._lock:
                after = self._waiting[0] if self._waiting else None
                self._busy = after is not None
            for each in batch:
                if each is not call:
                    each.wake()
            if after is not None:
                after.wake()  # not answered yet: it leads the next batch

    def _run(self, batch: list[_Call[T, R]]) -> None:
        try:
            self._commit(batch)
            return
        except Exception as exc:
            if len(batch) == 1:
                batch[0].error, batch[0].done = exc, True
                return
            log.warning(
                "a batch of %d failed (%s); running each alone", len(batch), type(exc).__name__
            )
        for call in batch:
            try:
                self._commit([call])
            except Exception as exc:  # handed to its caller, who raises it in its own thread
                call.error, call.done = exc, True

    def _commit(self, batch: list[_Call[T, R]]) -> None:
        with self._session() as session:
            results = self._work(session, [call.item for call in batch])
        self.transactions += 1
        for call, result in zip(batch, results, strict=True):
            call.result, call.done = result, True

    @contextmanager
    def _session(self) -> Iterator[Session]:
        """One transaction on the held connection (``session_scope`` where the factory is
        bound to a connection already, as in tests)."""
        engine = self._sessions.kw.get("bind")
        if not isinstance(engine, Engine):
            with session_scope(self._sessions, write=self._write) as session:
                yield session
            return
        if self._held is None:
            connection = engine.connect()
            self.checkouts += 1
            self._held = connection.execution_options(**write_options(self._write))
        connection = self._held
        try:
            with connection.begin():
                session = self._sessions(bind=connection)
                try:
                    yield session
                    session.commit()  # flushes; the transaction is the connection's
                finally:
                    session.close()
        except BaseException:
            self._held = None  # dropped, or mid-failure: the next batch takes a fresh one
            connection.close()
            raise
