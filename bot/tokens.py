"""Slack tokens encrypted at rest: slack_sdk's installation store, sealing what it writes.

Every workspace's bot token sits in ``slack_bots`` and ``slack_installations``; a database dump
or a read-only SQL injection must not hand them out. Tokens are sealed with Fernet (AES-128-CBC
and HMAC-SHA256, from ``cryptography``) under the keys in ``TOKEN_ENCRYPTION_KEYS``: the first
key seals, every key opens, so keys rotate without downtime (``python -m bot reencrypt-tokens``
moves every row to the first key). A sealed value starts with ``PREFIX``; a plaintext one (rows
written before encryption) is read as it is and sealed by the next re-encryption.

The store also keeps one installation per workspace: every reinstall used to add a row.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine, Table, and_, select, update

from bot.config import ConfigError, Settings, parse_keys

log = logging.getLogger(__name__)

KEYS_SETTING = "TOKEN_ENCRYPTION_KEYS"
PREFIX = "fernet:"
# The token columns of slack_sdk's tables, per entity: the same names on the rows.
BOT_TOKENS = ("bot_token", "bot_refresh_token")
INSTALLATION_TOKENS = (*BOT_TOKENS, "user_token", "user_refresh_token")

Entity = TypeVar("Entity", Bot, Installation)


class TokenCipher:
    """Seal with the first key, open with any; plaintext (legacy) values pass through ``open``."""

    def __init__(self, keys: Iterable[Fernet]) -> None:
        self._fernet = MultiFernet(list(keys))

    def seal(self, value: str | None) -> str | None:
        if value is None or value.startswith(PREFIX):
            return value
        return PREFIX + self._fernet.encrypt(value.encode()).decode("ascii")

    def open(self, value: str | None) -> str | None:
        if value is None or not value.startswith(PREFIX):
            return value
        try:
            return self._fernet.decrypt(value[len(PREFIX) :].encode("ascii")).decode()
        except InvalidToken:
            raise ConfigError(KEYS_SETTING, "cannot open a stored token") from None

    def reseal(self, value: str | None) -> str | None:
        """The value sealed with the first key (plaintext included); None stays None."""
        if value is None:
            return None
        if not value.startswith(PREFIX):
            return self.seal(value)
        try:
            rotated = self._fernet.rotate(value[len(PREFIX) :].encode("ascii"))
        except InvalidToken:
            raise ConfigError(KEYS_SETTING, "cannot open a stored token") from None
        return PREFIX + rotated.decode("ascii")


def cipher_from(settings: Settings) -> TokenCipher:
    if not settings.TOKEN_ENCRYPTION_KEYS:
        raise ConfigError(KEYS_SETTING, "is missing")
    return TokenCipher(parse_keys(settings.TOKEN_ENCRYPTION_KEYS))


def _with(entity: Entity, names: Iterable[str], change: Any) -> Entity:
    changed = copy.copy(entity)
    for name in names:
        setattr(changed, name, change(getattr(entity, name, None)))
    return changed


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store, tokens sealed on the way in and opened on the way out; one
    installation (and one bot) per workspace, the latest."""

    def __init__(self, client_id: str, engine: Engine, cipher: TokenCipher) -> None:
        super().__init__(client_id=client_id, engine=engine)
        self.cipher = cipher

    def save(self, installation: Installation) -> None:
        super().save(_with(installation, INSTALLATION_TOKENS, self.cipher.seal))
        self._keep_latest(self.installations, installation)

    def save_bot(self, bot: Bot) -> None:
        super().save_bot(_with(bot, BOT_TOKENS, self.cipher.seal))
        self._keep_latest(self.bots, bot)

    # slack_sdk's are classmethods, always called on the instance: these need the cipher.
    def build_bot_entity(self, row: Mapping[str, Any]) -> Bot:  # type: ignore[override]
        return _with(super().build_bot_entity(row), BOT_TOKENS, self.cipher.open)

    def build_installation_entity(  # type: ignore[override]
        self, row: Mapping[str, Any]
    ) -> Installation:
        entity = super().build_installation_entity(row)
        return _with(entity, INSTALLATION_TOKENS, self.cipher.open)

    def _keep_latest(self, table: Table, saved: Bot | Installation) -> None:
        c = table.c
        workspace = and_(
            c.client_id == self.client_id,
            c.enterprise_id == saved.enterprise_id,
            c.team_id == saved.team_id,
        )
        with self.engine.begin() as conn:
            latest = conn.scalar(
                select(c.id).where(workspace).order_by(c.installed_at.desc(), c.id.desc()).limit(1)
            )
            conn.execute(table.delete().where(workspace, c.id != latest))

    def reseal_all(self) -> int:
        """Every stored token sealed with the first key (rotation, or rows from before
        encryption); returns how many rows were rewritten."""
        rewritten = 0
        with self.engine.begin() as conn:
            for table, names in (
                (self.installations, INSTALLATION_TOKENS),
                (self.bots, BOT_TOKENS),
            ):
                columns = [table.c[name] for name in names]
                for row in conn.execute(select(table.c.id, *columns)).mappings():
                    values = {name: self.cipher.reseal(row[name]) for name in names}
                    if values != {name: row[name] for name in names}:
                        conn.execute(update(table).where(table.c.id == row["id"]).values(values))
                        rewritten += 1
        return rewritten


def installation_store(settings: Settings, engine: Engine) -> EncryptedInstallationStore:
    """The store of an OAuth deployment; ConfigError without a key."""
    assert settings.SLACK_CLIENT_ID is not None
    return EncryptedInstallationStore(settings.SLACK_CLIENT_ID, engine, cipher_from(settings))
