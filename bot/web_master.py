"""``python -m bot.web_master PORT LOG_LEVEL``: gunicorn's master for ``python -m bot web``.

``bot.cli`` checks the settings, then replaces itself with this (same pid), so that the master,
which only supervises, never imports pydantic, SQLAlchemy or Bolt: whatever it holds is counted
again in each forked worker's RSS (bench/bench_ack.py). The app is built in each worker.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.web import WSGIApp


def main(argv: list[str]) -> int:
    from bot.logs import configure_logging
    from bot.web import serve

    port, level = int(argv[0]), argv[1]
    configure_logging(level)

    def load() -> WSGIApp:  # in the worker, after the fork
        from bot.cli import load_web

        return load_web()

    serve(load, port)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
