"""Database work of many delivery threads done together (``bot.digest.batch``): each caller
gets its own answer, calls waiting at the same time share one transaction, and one bad call
fails alone. On a committed SQLite file, the way a delivery run uses it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import make_engine, make_session_factory
from bot.digest.batch import Batched


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'batch.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE keys (k TEXT PRIMARY KEY)"))
        conn.execute(text("INSERT INTO keys VALUES ('taken')"))
    yield engine
    engine.dispose()


def _in_threads(
    batched: Batched, items: list[str], hold: threading.Event, entered: threading.Event
) -> dict[str, object]:
    """Call ``batched`` with each item from its own thread. The first item's batch is held
    (``hold``) until every other thread has had time to call, so those wait together."""
    answers: dict[str, object] = {}

    def call(item: str) -> None:
        try:
            answers[item] = batched(item)
        except Exception as exc:  # noqa: BLE001 - the test looks at what each caller got
            answers[item] = exc

    threads = [threading.Thread(target=call, args=(item,)) for item in items]
    threads[0].start()
    assert entered.wait(10)
    for thread in threads[1:]:
        thread.start()
    time.sleep(0.3)
    hold.set()
    for thread in threads:
        thread.join(10)
    return answers


def _insert_keys(hold: threading.Event, entered: threading.Event):
    def work(session: Session, items: list[str]) -> list[str]:
        entered.set()
        hold.wait(10)
        session.execute(text("INSERT INTO keys VALUES (:k)"), [{"k": k} for k in items])
        return [k.upper() for k in items]

    return work


def test_each_caller_gets_its_own_answer_and_waiting_calls_share_a_transaction(engine):
    hold, entered = threading.Event(), threading.Event()
    batched = Batched(make_session_factory(engine), _insert_keys(hold, entered))
    items = [f"k{n:02d}" for n in range(20)]
    answers = _in_threads(batched, items, hold, entered)
    assert answers == {k: k.upper() for k in items}
    assert batched.transactions <= 3  # the held one, then (about) everyone who waited
    with engine.connect() as conn:
        assert sorted(conn.scalars(text("SELECT k FROM keys"))) == sorted(items + ["taken"])


def test_a_bad_call_fails_alone_and_the_others_are_committed(engine, caplog):
    hold, entered = threading.Event(), threading.Event()
    batched = Batched(make_session_factory(engine), _insert_keys(hold, entered))
    items = ["a", "b", "taken", "c", "d", "e"]
    answers = _in_threads(batched, items, hold, entered)
    assert any("running each alone" in r.getMessage() for r in caplog.records)
    assert isinstance(answers.pop("taken"), IntegrityError)
    assert answers == {"a": "A", "b": "B", "c": "C", "d": "D", "e": "E"}
    with engine.connect() as conn:
        assert sorted(conn.scalars(text("SELECT k FROM keys"))) == [
            "a",
            "b",
            "c",
            "d",
            "e",
            "taken",
        ]


def test_one_caller_alone_is_one_transaction(engine):
    hold = threading.Event()
    hold.set()
    batched = Batched(make_session_factory(engine), _insert_keys(hold, threading.Event()))
    assert [batched(k) for k in ("x", "y")] == ["X", "Y"]
    assert batched.transactions == 2
    with pytest.raises(IntegrityError):
        batched("x")


def test_batches_share_one_connection_until_one_fails(engine):
    hold = threading.Event()
    hold.set()
    batched = Batched(make_session_factory(engine), _insert_keys(hold, threading.Event()))
    assert [batched(k) for k in ("p", "q", "r")] == ["P", "Q", "R"]
    assert (batched.transactions, batched.checkouts) == (3, 1)
    assert engine.pool.checkedout() == 1
    with pytest.raises(IntegrityError):
        batched("p")  # rolled back, and its connection given back
    assert engine.pool.checkedout() == 0
    assert batched("s") == "S"
    assert batched.checkouts == 2
    batched.close()
    assert engine.pool.checkedout() == 0
    with engine.connect() as conn:
        assert sorted(conn.scalars(text("SELECT k FROM keys"))) == ["p", "q", "r", "s", "taken"]
