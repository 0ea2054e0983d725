"""Secrets never reach a log line, whoever logs them."""

from __future__ import annotations

import logging

import pytest

from bot.logs import RedactingFormatter, redact


@pytest.mark.parametrize(
    "secret",
    [
        "xoxb-1234-5678-abcdefABCDEF",
        "xoxp-1-2-3-abc",
        "xapp-1-A111-222-abcdef",
        "sk-proj-abcdefgh12345678",
        "Bearer xoxb-9-9-zz",
    ],
)
def test_tokens_are_masked(secret: str) -> None:
    masked = redact(f"calling with {secret} now")
    assert secret not in masked
    assert "[redacted]" in masked
    assert masked.startswith("calling with ") and masked.endswith(" now")


def test_formatter_masks_arguments_and_exceptions() -> None:
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "token=%s", ("xoxb-1-2-secret",), None
    )
    try:
        raise RuntimeError("boom with xapp-1-secret-value")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    line = RedactingFormatter("%(message)s").format(record)
    assert "xoxb-1-2-secret" not in line
    assert "xapp-1-secret-value" not in line
    assert "RuntimeError" in line


def test_plain_text_is_left_alone() -> None:
    text = "user U0123 ran /buildvsbuy assess in C0123 (team T0123)"
    assert redact(text) == text
