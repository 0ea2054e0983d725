"""Settings from the environment and ``.env``, read only when asked (never at import time)."""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=True
    )

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
    OPENAI_TIMEOUT: float = Field(default=15.0, ge=1, le=120)
    # The models workspace admins may choose (comma-separated); unset: OPENAI_MODEL alone.
    OPENAI_ALLOWED_MODELS: str | None = None
    # The longest answer any call may ask for: the operator's bill has a ceiling per call.
    OPENAI_MAX_TOKENS: int = Field(default=800, ge=16, le=16000)
    # LLM calls one workspace may make per UTC day; past it, the offline advisor answers.
    LLM_DAILY_CALLS_PER_TEAM: int = Field(default=200, ge=1, le=100000)
    # Days an uninstalled workspace's data is kept (for a reinstall) before it is purged.
    UNINSTALLED_RETENTION_DAYS: int = Field(default=30, ge=1, le=3650)
    PORT: int = Field(default=3000, ge=1, le=65535)
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    FEEDS_ALLOW_PRIVATE_ADDRESSES: bool = False
    FEEDS_ALLOWED_PORTS: str = "80,443"
    TRUST_X_FORWARDED_FOR: bool = False
    TOKEN_ENCRYPTION_KEYS: str | None = Field(default=None, repr=False)
    DIGEST_DELIVERY_CONCURRENCY: int = Field(default=64, ge=1, le=512)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("SLACK_BOT_TOKEN")
    @classmethod
    def _bot_token(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("xoxb-"):
            raise ValueError("must start with xoxb-")
        return value

    @field_validator("SLACK_APP_TOKEN")
    @classmethod
    def _app_token(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("xapp-"):
            raise ValueError("must start with xapp-")
        return value

    @field_validator("SLACK_API_BASE_URL", "OPENAI_BASE_URL")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("FEEDS_ALLOWED_PORTS")
    @classmethod
    def _ports(cls, value: str | None) -> str:
        return ",".join(str(p) for p in sorted(parse_ports(value or "80,443")))

    @field_validator("OPENAI_ALLOWED_MODELS")
    @classmethod
    def _allowed_models(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return ",".join(parse_models(value))

    @field_validator("TOKEN_ENCRYPTION_KEYS")
    @classmethod
    def _token_keys(cls, value: str | None) -> str | None:
        if value is not None:
            parse_keys(value)
        return value

    @field_validator("DATABASE_URL")
    @classmethod
    def _database_url(cls, value: str | None) -> str:
        return normalize_database_url(value or SQLITE_DEFAULT)

    @model_validator(mode="after")
    def _pairs(self) -> Settings:
        if bool(self.SLACK_CLIENT_ID) != bool(self.SLACK_CLIENT_SECRET):
            missing = "SLACK_CLIENT_SECRET" if self.SLACK_CLIENT_ID else "SLACK_CLIENT_ID"
            raise ConfigError(missing, "is missing")
        listed = self.OPENAI_ALLOWED_MODELS
        if listed and self.OPENAI_MODEL not in parse_models(listed):
            raise ConfigError(
                "OPENAI_ALLOWED_MODELS", f"does not list OPENAI_MODEL ({self.OPENAI_MODEL})"
            )
        return self

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


def load_settings(**overrides: Any) -> Settings:
    """Read settings now; a bad one becomes a ``ConfigError`` naming it."""
    try:
        return Settings(**overrides)
    except ConfigError:
        raise
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "configuration"
        context = error.get("ctx", {}).get("error")
        if isinstance(context, ConfigError):
            raise context from None
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(name, message[0].lower() + message[1:]) from None


@cache
def get_settings() -> Settings:
    """The process's settings (tests call ``get_settings.cache_clear()``)."""
    return load_settings()
