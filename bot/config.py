"""Settings from the environment and ``.env``, read only when asked (never at import time)."""

from __future__ import annotations

import contextlib
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

SLACK_API_DEFAULT = "https://slack.com/api/"
SQLITE_DEFAULT = "sqlite:///buildvsbuy.db"

# One sentence per setting, shown when it is missing or malformed.
FIXES: dict[str, str] = {
    "SLACK_BOT_TOKEN": "set it to the Bot User OAuth Token (xoxb-…) from your app's "
    "OAuth & Permissions page",
    "SLACK_SIGNING_SECRET": "set it to the Signing Secret from your app's Basic Information page",
    "SLACK_APP_TOKEN": "set it to an app-level token (xapp-…) with the connections:write scope, "
    "or unset it to serve HTTP",
    "SLACK_CLIENT_ID": "set it with SLACK_CLIENT_SECRET, from your app's Basic Information page",
    "SLACK_CLIENT_SECRET": "set it with SLACK_CLIENT_ID, from your app's Basic Information page",
    "SLACK_API_BASE_URL": "set it to an http(s) URL ending in /api/, or unset it to use Slack's",
    "DATABASE_URL": "use postgresql://user:pass@host/db, postgres://…, or sqlite:///path.db",
    "OPENAI_API_KEY": "set it to your key, or unset it to use the offline advisor",
    "OPENAI_BASE_URL": "set it to the http(s) base URL of an OpenAI-compatible server",
    "OPENAI_MODEL": "set it to a model name your server serves",
    "OPENAI_TIMEOUT": "set it to a number of seconds between 1 and 120",
    "OPENAI_ALLOWED_MODELS": "list the model names admins may pick, comma-separated, "
    "OPENAI_MODEL among them (default: OPENAI_MODEL alone)",
    "OPENAI_MAX_TOKENS": "set it to a whole number of tokens between 16 and 16000",
    "LLM_DAILY_CALLS_PER_TEAM": "set it to a whole number of LLM calls between 1 and 100000",
    "UNINSTALLED_RETENTION_DAYS": "set it to a whole number of days between 1 and 3650",
    "PORT": "set it to a TCP port between 1 and 65535",
    "LOG_LEVEL": "use DEBUG, INFO, WARNING or ERROR",
    "FEEDS_ALLOW_PRIVATE_ADDRESSES": "use true or false",
    "TRUST_X_FORWARDED_FOR": "use true or false",
    "TOKEN_ENCRYPTION_KEYS": "set it to one or more Fernet keys, comma-separated, the newest "
    "first (make one with python -c 'from cryptography.fernet import Fernet; "
    "print(Fernet.generate_key().decode())')",
    "FEEDS_ALLOWED_PORTS": "list the ports feeds may use, comma-separated (default 80,443)",
    "DIGEST_DELIVERY_CONCURRENCY": "set it to a whole number between 1 and 512",
}


class ConfigError(Exception):
    """A setting is missing or malformed; the message is the one line an operator sees."""

    def __init__(self, name: str, problem: str, fix: str | None = None) -> None:
        self.name = name
        fix = fix or FIXES.get(name, "check its value")
        super().__init__(f"config error: {name} {problem}; {fix}")


@dataclass(init=False)
class Settings:
    """The process's settings: ``Settings()`` reads ``.env`` (``_env_file``; None: none), then
    the environment, then the keyword arguments, each later one winning, and checks every value
    in field order (``ConfigError`` naming the first bad one).

    Plain Python, not pydantic-settings: that and pydantic were 11 MB of every web worker's
    memory, for twenty-odd variables (bench/bench_ack.py, peak RSS).
    """

    SLACK_BOT_TOKEN: str | None = None
    SLACK_SIGNING_SECRET: str | None = None
    SLACK_APP_TOKEN: str | None = None
    SLACK_CLIENT_ID: str | None = None
    SLACK_CLIENT_SECRET: str | None = None
    SLACK_API_BASE_URL: str = SLACK_API_DEFAULT
    DATABASE_URL: str = SQLITE_DEFAULT
    OPENAI_API_KEY: str | None = None
    OPENAI_BASE_URL: str | None = None
    OPENAI_MODEL: str = "gpt-4o-mini"
    OPENAI_TIMEOUT: float = 15.0
    # The models workspace admins may choose (comma-separated); unset: OPENAI_MODEL alone.
    OPENAI_ALLOWED_MODELS: str | None = None
    # The longest answer any call may ask for: the operator's bill has a ceiling per call.
    OPENAI_MAX_TOKENS: int = 800
    # LLM calls one workspace may make per UTC day; past it, the offline advisor answers.
    LLM_DAILY_CALLS_PER_TEAM: int = 200
    # Days an uninstalled workspace's data is kept (for a reinstall) before it is purged.
    UNINSTALLED_RETENTION_DAYS: int = 30
    PORT: int = 3000
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    FEEDS_ALLOW_PRIVATE_ADDRESSES: bool = False
    FEEDS_ALLOWED_PORTS: str = "80,443"
    TRUST_X_FORWARDED_FOR: bool = False
    TOKEN_ENCRYPTION_KEYS: str | None = field(default=None, repr=False)
    DIGEST_DELIVERY_CONCURRENCY: int = 64

    def __init__(self, _env_file: str | None = ".env", **overrides: object) -> None:
        given: dict[str, object] = {}
        if _env_file is not None and os.path.isfile(_env_file):
            from dotenv import dotenv_values

            given.update(dotenv_values(_env_file, encoding="utf-8"))
        given.update(os.environ)
        given.update(overrides)
        for spec in fields(self):
            try:
                value = _checked(spec.name, given.get(spec.name, spec.default), spec.default)
            except ValueError as exc:
                raise ConfigError(spec.name, str(exc)) from None
            setattr(self, spec.name, value)
        self._pairs()

    def _pairs(self) -> None:
        if bool(self.SLACK_CLIENT_ID) != bool(self.SLACK_CLIENT_SECRET):
            missing = "SLACK_CLIENT_SECRET" if self.SLACK_CLIENT_ID else "SLACK_CLIENT_ID"
            raise ConfigError(missing, "is missing")
        listed = self.OPENAI_ALLOWED_MODELS
        if listed and self.OPENAI_MODEL not in parse_models(listed):
            raise ConfigError(
                "OPENAI_ALLOWED_MODELS", f"does not list OPENAI_MODEL ({self.OPENAI_MODEL})"
            )

    # What the settings mean, so callers never re-derive it.
    @property
    def oauth_enabled(self) -> bool:
        return bool(self.SLACK_CLIENT_ID and self.SLACK_CLIENT_SECRET)

    @property
    def has_slack_credentials(self) -> bool:
        return any(
            (
                self.SLACK_BOT_TOKEN,
                self.SLACK_SIGNING_SECRET,
                self.SLACK_APP_TOKEN,
                self.SLACK_CLIENT_ID,
            )
        )

    @property
    def socket_mode(self) -> bool:
        return self.SLACK_APP_TOKEN is not None

    @property
    def feed_ports(self) -> frozenset[int]:
        return parse_ports(self.FEEDS_ALLOWED_PORTS)

    @property
    def allowed_models(self) -> tuple[str, ...]:
        """The models admins may pick, the operator's default first."""
        listed = parse_models(self.OPENAI_ALLOWED_MODELS) if self.OPENAI_ALLOWED_MODELS else ()
        return (self.OPENAI_MODEL, *(m for m in listed if m != self.OPENAI_MODEL))

    @property
    def llm_configured(self) -> bool:
        return self.OPENAI_API_KEY is not None

    def require_http(self) -> None:
        """Serving HTTP needs a signing secret and a way to get tokens."""
        if not self.SLACK_SIGNING_SECRET:
            raise ConfigError("SLACK_SIGNING_SECRET", "is missing")
        if not (self.SLACK_BOT_TOKEN or self.oauth_enabled):
            raise ConfigError("SLACK_BOT_TOKEN", "is missing")
        self.require_token_keys()

    def require_token_keys(self) -> None:
        """An OAuth deployment stores every workspace's token: never without a key to seal it."""
        if self.oauth_enabled and not self.TOKEN_ENCRYPTION_KEYS:
            raise ConfigError("TOKEN_ENCRYPTION_KEYS", "is missing")

    def require_socket_mode(self) -> None:
        if not self.SLACK_BOT_TOKEN:
            raise ConfigError("SLACK_BOT_TOKEN", "is missing")


def parse_ports(text: str) -> frozenset[int]:
    """``"80,443,8080"`` as a set of ports; ValueError names what is wrong."""
    try:
        ports = frozenset(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ValueError("must be comma-separated port numbers") from None
    if not ports or not all(1 <= port <= 65535 for port in ports):
        raise ValueError("must list ports between 1 and 65535")
    return ports


MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,99}")


def parse_models(text: str) -> tuple[str, ...]:
    """``"gpt-4o-mini,gpt-4.1"`` as model names; ValueError names what is wrong."""
    names = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not names:
        raise ValueError("lists no model")
    for name in names:
        if not MODEL_NAME.fullmatch(name):
            raise ValueError(f"has a malformed model name {name[:40]!r}")
    return names


def parse_keys(text: str) -> list[Fernet]:
    """``"key1,key2"`` as Fernet keys; ValueError (never showing a key) when one is malformed."""
    from cryptography.fernet import Fernet  # only processes that hold keys pay for the import

    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        raise ValueError("lists no key")
    keys = []
    for number, part in enumerate(parts, start=1):
        try:
            keys.append(Fernet(part))
        except ValueError:
            raise ValueError(
                f"key {number} is not a Fernet key (32 url-safe base64 bytes)"
            ) from None
    return keys


def normalize_database_url(url: str) -> str:
    """Accept the ``postgres://`` form hosting platforms hand out, and use psycopg 3."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError("is not a database URL")
    if scheme in ("postgres", "postgresql"):
        return f"postgresql+psycopg://{rest}"
    if scheme.startswith(("postgresql+", "sqlite")):
        return url
    raise ValueError(f"uses an unsupported database {scheme!r}")


# Whole numbers within bounds, and what each setting must look like beyond its type.
BOUNDS: dict[str, tuple[float, float]] = {
    "OPENAI_TIMEOUT": (1, 120),
    "OPENAI_MAX_TOKENS": (16, 16000),
    "LLM_DAILY_CALLS_PER_TEAM": (1, 100000),
    "UNINSTALLED_RETENTION_DAYS": (1, 3650),
    "PORT": (1, 65535),
    "DIGEST_DELIVERY_CONCURRENCY": (1, 512),
}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
TRUE, FALSE = ("1", "true", "t", "yes", "y", "on"), ("0", "false", "f", "no", "n", "off")


def _prefixed(prefix: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not value.startswith(prefix):
            raise ValueError(f"must start with {prefix}")
        return value

    return check


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must be an http(s) URL")
    return value if value.endswith("/") else value + "/"


def _token_keys(value: str) -> str:
    parse_keys(value)
    return value


CHECKS: dict[str, Callable[[str], str]] = {
    "SLACK_BOT_TOKEN": _prefixed("xoxb-"),
    "SLACK_APP_TOKEN": _prefixed("xapp-"),
    "SLACK_API_BASE_URL": _http_url,
    "OPENAI_BASE_URL": _http_url,
    "FEEDS_ALLOWED_PORTS": lambda value: ",".join(str(p) for p in sorted(parse_ports(value))),
    "OPENAI_ALLOWED_MODELS": lambda value: ",".join(parse_models(value)),
    "TOKEN_ENCRYPTION_KEYS": _token_keys,
    "DATABASE_URL": normalize_database_url,
}


def _checked(name: str, value: object, default: object) -> object:
    """``value`` (text from the environment, or a Python value) as the setting's type; a blank
    is unset. ValueError says what is wrong, as the line an operator reads."""
    if isinstance(value, str) and not value.strip():
        value = None
    if value is None:
        if default is None:
            return None
        if name == "LOG_LEVEL":
            raise ValueError("input should be 'DEBUG', 'INFO', 'WARNING' or 'ERROR'")
        raise ValueError(f"input should be a valid {_KINDS[type(default)]}")
    if isinstance(default, bool):
        return _boolean(value)
    if isinstance(default, int | float):
        number = _number(value, int if isinstance(default, int) else float)
        low, high = BOUNDS.get(name, (-math.inf, math.inf))
        if not number <= high:  # NaN too
            raise ValueError(f"input should be less than or equal to {high}")
        if number < low:
            raise ValueError(f"input should be greater than or equal to {low}")
        return number
    if not isinstance(value, str):
        raise ValueError("input should be a valid string")
    if name == "LOG_LEVEL" and value not in LOG_LEVELS:
        raise ValueError("input should be 'DEBUG', 'INFO', 'WARNING' or 'ERROR'")
    return CHECKS[name](value) if name in CHECKS else value


_KINDS = {bool: "boolean", int: "integer", float: "number", str: "string"}


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE + FALSE:
        return value.strip().lower() in TRUE
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ValueError("input should be a valid boolean, unable to interpret input")


def _number(value: object, kind: type[int] | type[float]) -> float:
    """A number as pydantic read one: for a whole number, "8.0" is 8 and "8.5" is refused."""
    if isinstance(value, int | float):
        number = float(value)
        if kind is int and not number.is_integer():
            raise ValueError("input should be a valid integer, got a number with a fractional part")
        return int(number) if kind is int else number
    text = str(value).strip()
    try:
        if kind is float:
            return float(text)
        with contextlib.suppress(ValueError):
            return int(text)
        if float(text).is_integer():
            return int(float(text))
    except (ValueError, OverflowError):
        pass
    what = "an integer" if kind is int else "a number"
    raise ValueError(f"input should be a valid {_KINDS[kind]}, unable to parse string as {what}")


def load_settings(**overrides: Any) -> Settings:
    """Read settings now; a bad one becomes a ``ConfigError`` naming it."""
    return Settings(**overrides)


@cache
def get_settings() -> Settings:
    """The process's settings (tests call ``get_settings.cache_clear()``)."""
    return load_settings()
