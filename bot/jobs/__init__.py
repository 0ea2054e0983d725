"""Scheduled jobs that talk to Slack (the domain packages they call never do)."""
