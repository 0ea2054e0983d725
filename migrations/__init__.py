"""The Alembic scripts, installed as the package ``bot.migrations`` (see pyproject.toml)."""
