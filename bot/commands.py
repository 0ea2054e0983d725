"""Typed slash-command requests and the subcommand table that the help is made from."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SlashCommand:
    team_id: str
    user_id: str
    channel_id: str
    text: str
    trigger_id: str
    response_url: str | None
    subcommand: str
    args: str

    @classmethod
    def parse(cls, payload: dict[str, Any]) -> SlashCommand:
        text = " ".join(str(payload.get("text") or "").split())
        name, _, args = text.partition(" ")
        return cls(
            team_id=str(payload.get("team_id") or ""),
            user_id=str(payload.get("user_id") or ""),
            channel_id=str(payload.get("channel_id") or ""),
            text=text,
            trigger_id=str(payload.get("trigger_id") or ""),
            response_url=payload.get("response_url"),
            subcommand=name.lower(),
            args=args,
        )


@dataclass(frozen=True)
class Subcommand:
    name: str
    run: Callable[..., None]
    help_key: str  # catalog key of the one-line help, e.g. "help.assess"
    admin_only: bool = False


class SubcommandTable:
    """Features add their subcommands here; the help lists exactly what is registered."""

    def __init__(self) -> None:
        self._entries: dict[str, Subcommand] = {}

    def add(
        self, name: str, run: Callable[..., None], help_key: str, admin_only: bool = False
    ) -> None:
        if name in self._entries:
            raise ValueError(f"subcommand {name!r} registered twice")
        self._entries[name] = Subcommand(name, run, help_key, admin_only)

    def get(self, name: str) -> Subcommand | None:
        return self._entries.get(name)

    def __iter__(self) -> Iterator[Subcommand]:
        return iter(self._entries.values())
