"""Logging for every process: one grep-able line per record, secrets masked on the way out."""

from __future__ import annotations

import logging
import re
import sys

# Slack tokens, OpenAI-style keys and bearer headers; whatever logs them, they leave masked.
SECRET = re.compile(
    r"(xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|sk-[A-Za-z0-9_-]{8,}|"
    r"(?i:bearer)\s+[A-Za-z0-9._~+/=-]+)"
)


def redact(text: str) -> str:
    return SECRET.sub(lambda m: m.group(0)[:5] + "…[redacted]", text)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", "%Y-%m-%dT%H:%M:%S%z")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Quieter neighbours unless asked: slack_sdk logs whole request bodies at DEBUG, APScheduler
    # logs every run of every job, Alembic every plugin it loads. Our jobs log their own outcome.
    if level != "DEBUG":
        for noisy in ("slack_sdk", "apscheduler", "alembic.runtime.plugins"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        # slack_sdk's client tests its own logger's level, not the effective one: left NOTSET,
        # every call formatted its whole request body (the modal) for a DEBUG line dropped
        # later, 6 % of the ack's CPU (bench/bench_ack.py, py-spy).
        logging.getLogger("slack_sdk.web.base_client").setLevel(logging.WARNING)
        # Bolt does the same with its framework logger (``App.dispatch``, slack_bolt 1.30): left
        # NOTSET, it formatted a DEBUG line per middleware on every request. Set to the level
        # it inherits anyway, so that nothing else it logs changes.
        logging.getLogger("slack_bolt").setLevel(level)
