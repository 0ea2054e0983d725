"""Bolt listeners: parse the request, call ``bot``, render the reply. No business rules here."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from handlers import (
    acks,
    assessment,
    assistant,
    commands,
    decisions,
    digest,
    errors,
    events,
    mentions,
    middleware,
    settings,
)


def register(app: App, services: Services) -> None:
    acks.register(app)
    middleware.register(app, services)
    errors.register(app)
    commands.register(app, services)
    events.register(app)
    decisions.register(app, services)
    settings.register(app, services)
    assessment.register(app, services)
    digest.register(app, services)
    mentions.register(app)
    assistant.register(app, services)
