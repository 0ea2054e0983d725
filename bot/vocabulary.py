"""The words the app shares between its parts, each defined once: verdicts, weekdays and the
states of a delivery.

Stored and sent as their plain string values (``"fine_tune"``, ``"mon"``): the tuples below
are what the rest of the code iterates, in their one canonical order.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Verdict(StrEnum):
    """What the advisor recommends, from the least to the most to build."""

    BUY = "buy"
    WRAP = "wrap"
    FINE_TUNE = "fine_tune"
    BUILD = "build"


class Weekday(StrEnum):
    """Digest days, Monday first (``datetime.weekday()`` order)."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


class DeliveryState(StrEnum):
    """Where one message the app owes someone stands (``bot.digest.delivery`` draws the graph);
    a reminder's ``error`` column uses ``MAYBE_SENT`` too."""

    CLAIMED = "claimed"
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    MISSED = "missed"
    MAYBE_SENT = "maybe_sent"  # Slack's answer was lost: it may have posted it


VERDICTS: tuple[str, ...] = tuple(v.value for v in Verdict)
WEEKDAYS: tuple[str, ...] = tuple(d.value for d in Weekday)

# A Slack user id as a payload or a form may carry it: anything else (forged or garbled) is not
# a person the app may name, DM or put in a users select.
USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")
