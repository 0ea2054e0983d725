"""Team settings: the form's fields and validation, saving with an audit trail, and purging.

Pure domain code: no Slack, no OpenAI. Slack listeners live in ``handlers/settings``; the modal
is built in ``bot/views/settings.py``.
"""

from bot.team_config.form import FeedChange, FieldError, FormResult, TeamConfig, validate_form
from bot.team_config.purge import purge_team, team_data_counts
from bot.team_config.store import load_config, recent_changes, save_config, team_feeds

__all__ = [
    "FeedChange",
    "FieldError",
    "FormResult",
    "TeamConfig",
    "load_config",
    "purge_team",
    "recent_changes",
    "save_config",
    "team_data_counts",
    "team_feeds",
    "validate_form",
]
