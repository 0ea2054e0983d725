"""``python -m bot web`` and ``python -m bot worker`` as real processes, as production runs them."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import BOT_TOKEN, SIGNING_SECRET, TEAM
from tests.fakes.slack_api import running_fake_slack_api
from tests.support.abuse import free_port, wait_for_health


def bot_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of ``python -m bot``: a database and HTTP credentials, nothing of ours."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "OPENAI_")) and k not in ("DATABASE_URL", "PYTHONPATH")
    }
    env.update(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        **extra,
    )
    return env


@dataclass
class WebAndWorker:
    web: subprocess.Popen[str]
    worker: subprocess.Popen[bytes]
    worker_log: Path
    port: int
    output: str = ""  # the worker's until both were up (stopping is not start-up), the web's

    def wait_until_up(self, seconds: float = 60) -> None:
        """The web answers /healthz, the worker has started, and both are still running."""
        wait_for_health(f"http://127.0.0.1:{self.port}", self.web, seconds)
        deadline = time.monotonic() + seconds
        while "worker started" not in self.worker_log.read_text():
            assert self.worker.poll() is None, f"the worker exited: {self.worker_log.read_text()}"
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.1)
        time.sleep(1)  # both stay up once the other has started
        assert (self.web.poll(), self.worker.poll()) == (None, None), self.worker_log.read_text()
        self.output = self.worker_log.read_text()


@contextlib.contextmanager
def web_and_worker(
    python: str, database_url: str, folder: Path, **env: str
) -> Iterator[WebAndWorker]:
    """Start ``web`` and ``worker`` at the same moment from ``folder``, against a fake Slack;
    stop both on leaving, adding the web's output to ``output``."""
    port = free_port()
    worker_log = folder / "worker.log"
    with running_fake_slack_api() as fake, worker_log.open("w") as worker_err:
        fake.add_team(TEAM, bot_token=BOT_TOKEN)
        env = bot_env(database_url, SLACK_API_BASE_URL=fake.base_url, PORT=str(port), **env)
        web = subprocess.Popen(
            [python, "-m", "bot", "web"], env=env, cwd=folder, text=True, stderr=subprocess.PIPE
        )
        worker = subprocess.Popen(
            [python, "-m", "bot", "worker"], env=env, cwd=folder, stderr=worker_err
        )
        both = WebAndWorker(web, worker, worker_log, port)
        try:
            yield both
        finally:
            for process in (web, worker):
                process.terminate()
            both.output += web.communicate(timeout=30)[1]
            worker.wait(timeout=30)
