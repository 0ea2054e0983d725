"""The settings form: its fields, and how a submitted value becomes a setting or an error.

Every value is checked here, on the server, whatever Slack's own widgets already enforce: a
forged ``view_submission`` can carry anything, and nothing is saved unless every field is valid.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from bot.i18n import LANGUAGES, t
from bot.vocabulary import USER_ID, WEEKDAYS

DAILY = "daily"
VISIBILITIES: tuple[str, ...] = ("ephemeral", "channel")
ON, OFF = "on", "off"
ITEMS_RANGE = (1, 20)
REVIEW_DAYS_RANGE = (1, 730)
MAX_MANAGERS = 50
MAX_ADMINS = 20
MAX_TEAM_FEEDS = 20
MAX_URL_CHARS = 2000
MAX_MODEL_CHARS = 100

# Field names double as the modal's block ids and action ids.
DIGEST_ENABLED = "digest_enabled"
DIGEST_CHANNEL = "digest_channel"
DIGEST_DAYS = "digest_days"
DIGEST_TIME = "digest_time"
TIMEZONE = "timezone"
DIGEST_ITEMS = "digest_items"
MANAGERS = "managers"
FEED_ADD = "feed_add"
FEED_REMOVE = "feed_remove"
LANGUAGE = "language"
PERSONAL_LANGUAGE = "personal_language"
LLM_ENABLED = "llm_enabled"
LLM_MODEL = "llm_model"
RESULT_VISIBILITY = "result_visibility"
REVIEW_PERIOD = "review_period"
ADMINS = "admins"
GUESTS_READ = "guests_read_decisions"

_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,31}")
_MODEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]*")


@dataclass(frozen=True)
class TeamConfig:
    """Everything the settings modal shows and saves, as plain values."""

    digest_enabled: bool = True
    digest_channel_id: str | None = None
    digest_days: str = "mon"  # "daily" or weekdays in week order, "mon,thu"
    digest_time: str = "09:00"
    timezone: str = "UTC"
    digest_items: int = 8
    managers: tuple[str, ...] = ()
    language: str = "en"
    personal_language: bool = False
    llm_enabled: bool = True
    llm_model: str | None = None
    result_visibility: str = "ephemeral"
    review_period_days: int = 90
    admins: tuple[str, ...] = ()
    guests_read_decisions: bool = False
    feeds: tuple[str, ...] = ()  # URLs of the feeds the team added (the built-in ones aside)


class FieldError(Exception):
    """A refused value; ``key`` names the sentence shown under the field."""

    def __init__(self, key: str, params: dict[str, Any] | None = None) -> None:
        super().__init__(key)
        self.key = key
        self.params = params or {}

    def message(self, lang: str) -> str:
        return t(self.key, lang, **self.params)


@dataclass(frozen=True)
class FeedChange:
    add_url: str | None = None
    remove_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class FormResult:
    config: TeamConfig
    feeds: FeedChange
    errors: dict[str, FieldError]

    @property
    def ok(self) -> bool:
        return not self.errors


# ----------------------------------------------------------------------- reading the state


def read_state(values: dict[str, Any]) -> dict[str, Any]:
    """A view's ``state.values`` -> {field: str | list[str] | None}, whatever the widget."""
    raw: dict[str, Any] = {}
    if not isinstance(values, dict):
        return raw
    for block_id, actions in values.items():
        payload = actions.get(block_id) if isinstance(actions, dict) else None
        if isinstance(payload, dict):
            raw[block_id] = _widget_value(payload)
    return raw


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _widget_value(payload: dict[str, Any]) -> Any:
    if "selected_options" in payload:
        return [
            str(o.get("value")) for o in _listed(payload["selected_options"]) if isinstance(o, dict)
        ]
    if "selected_users" in payload:
        return [str(u) for u in _listed(payload["selected_users"])]
    if "selected_option" in payload:
        option = payload["selected_option"]
        return str(option.get("value")) if isinstance(option, dict) else None
    for key in ("selected_conversation", "selected_channel", "selected_time", "value"):
        if key in payload:
            value = payload[key]
            return None if value is None else str(value)
    return None


# ----------------------------------------------------------------------- one parser per field


def _text(raw: Any) -> str | None:
    if isinstance(raw, list):
        raise FieldError("settings.error.choice")
    text = "" if raw is None else str(raw).strip()
    return text or None


def _required(raw: Any) -> str:
    text = _text(raw)
    if text is None:
        raise FieldError("settings.error.required")
    return text


def _choice(raw: Any, allowed: tuple[str, ...]) -> str:
    value = _required(raw)
    if value not in allowed:
        raise FieldError("settings.error.choice")
    return value


def parse_switch(raw: Any) -> bool:
    return _choice(raw, (ON, OFF)) == ON


def parse_channel(raw: Any) -> str | None:
    value = _text(raw)
    if value is not None and not _CHANNEL_ID.fullmatch(value):
        raise FieldError("settings.error.channel_id")
    return value


def parse_days(raw: Any) -> str:
    """Ticked weekdays -> ``"daily"`` (all seven) or ``"mon,thu"`` in week order."""
    picked = raw if isinstance(raw, list) else ([] if raw is None else [raw])
    if not picked:
        raise FieldError("settings.error.no_days")
    if any(day not in WEEKDAYS for day in picked):
        raise FieldError("settings.error.choice")
    days = [day for day in WEEKDAYS if day in picked]
    return DAILY if len(days) == len(WEEKDAYS) else ",".join(days)


def parse_time(raw: Any) -> str:
    value = _required(raw)
    if not _TIME.fullmatch(value):
        raise FieldError("settings.error.time")
    return value


@cache
def _zones() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def parse_timezone(raw: Any) -> str:
    """An IANA zone name, spelled as the tz database spells it (``europe/paris`` is accepted)."""
    value = _required(raw)
    zone = _zones().get(value.lower())
    if zone is None:
        raise FieldError("settings.error.timezone")
    return zone


def parse_int(raw: Any, bounds: tuple[int, int]) -> int:
    low, high = bounds
    value = _required(raw)
    if not re.fullmatch(r"[+-]?\d{1,9}", value) or not low <= int(value) <= high:
        raise FieldError("settings.error.number", {"min": low, "max": high})
    return int(value)


def parse_users(raw: Any, limit: int) -> tuple[str, ...]:
    users = raw if isinstance(raw, list) else ([] if raw is None else [raw])
    if any(not USER_ID.fullmatch(str(u)) for u in users):
        raise FieldError("settings.error.users")
    unique = tuple(sorted(set(users)))
    if len(unique) > limit:
        raise FieldError("settings.error.too_many", {"max": limit})
    return unique


def parse_feed_url(raw: Any) -> str | None:
    value = _text(raw)
    if value is None:
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or len(value) > MAX_URL_CHARS
        or any(ch.isspace() for ch in value)
    ):
        raise FieldError("settings.error.feed_url")
    return value


def parse_feed_removals(raw: Any, team_feed_ids: set[int]) -> frozenset[int]:
    picked = raw if isinstance(raw, list) else ([] if raw is None else [raw])
    ids: set[int] = set()
    for value in picked:
        if not str(value).isdigit() or int(value) not in team_feed_ids:
            raise FieldError("settings.error.feed_unknown")
        ids.add(int(value))
    return frozenset(ids)


def parse_language(raw: Any) -> str:
    return _choice(raw, LANGUAGES)


def parse_model(raw: Any) -> str | None:
    value = _text(raw)
    if value is not None and (len(value) > MAX_MODEL_CHARS or not _MODEL.fullmatch(value)):
        raise FieldError("settings.error.llm_model")
    return value


def parse_allowed_model(raw: Any, allowed: Sequence[str]) -> str | None:
    """A model the operator allows (any well-formed name when they listed none)."""
    value = parse_model(raw)
    if value is not None and allowed and value not in allowed:
        raise FieldError("settings.error.llm_model_not_allowed", {"models": ", ".join(allowed)})
    return value


def parse_visibility(raw: Any) -> str:
    return _choice(raw, VISIBILITIES)


# ----------------------------------------------------------------------- the whole form


def validate_form(
    raw: dict[str, Any],
    current: TeamConfig,
    *,
    llm_available: bool,
    team_feed_ids: set[int],
    allowed_models: Sequence[str] = (),
) -> FormResult:
    """Every field parsed; errors keyed by field. LLM fields count only when an LLM exists,
    and the model only among ``allowed_models`` (the operator's ``OPENAI_ALLOWED_MODELS``)."""
    errors: dict[str, FieldError] = {}
    values: dict[str, Any] = {}

    def take(name: str, attr: str | None, parse: Any) -> None:
        try:
            value = parse(raw.get(name))
        except FieldError as error:
            errors[name] = error
            return
        values[attr or name] = value

    take(DIGEST_ENABLED, "digest_enabled", parse_switch)
    take(DIGEST_CHANNEL, "digest_channel_id", parse_channel)
    take(DIGEST_DAYS, "digest_days", parse_days)
    take(DIGEST_TIME, "digest_time", parse_time)
    take(TIMEZONE, "timezone", parse_timezone)
    take(DIGEST_ITEMS, "digest_items", lambda r: parse_int(r, ITEMS_RANGE))
    take(MANAGERS, "managers", lambda r: parse_users(r, MAX_MANAGERS))
    take(LANGUAGE, "language", parse_language)
    if raw.get(PERSONAL_LANGUAGE) is not None:  # a modal opened before the field existed
        take(PERSONAL_LANGUAGE, "personal_language", parse_switch)
    take(RESULT_VISIBILITY, "result_visibility", parse_visibility)
    take(REVIEW_PERIOD, "review_period_days", lambda r: parse_int(r, REVIEW_DAYS_RANGE))
    take(ADMINS, "admins", lambda r: parse_users(r, MAX_ADMINS))
    if raw.get(GUESTS_READ) is not None:  # a form from before the switch existed keeps it
        take(GUESTS_READ, "guests_read_decisions", parse_switch)
    if llm_available:
        take(LLM_ENABLED, "llm_enabled", parse_switch)
        take(LLM_MODEL, "llm_model", lambda r: parse_allowed_model(r, allowed_models))
    take(FEED_ADD, "feed_add", parse_feed_url)
    take(FEED_REMOVE, "feed_remove", lambda r: parse_feed_removals(r, team_feed_ids))
    add_url = values.pop("feed_add", None)
    removals = values.pop("feed_remove", frozenset())
    if add_url and FEED_ADD not in errors:
        kept = len(team_feed_ids - removals)
        if kept >= MAX_TEAM_FEEDS:
            errors[FEED_ADD] = FieldError("settings.error.feed_limit", {"max": MAX_TEAM_FEEDS})
    config = replace(current, **values) if not errors else current
    return FormResult(config, FeedChange(add_url, removals), errors)
