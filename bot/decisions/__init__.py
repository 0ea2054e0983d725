"""The team's decision log: rules, scoped queries, history, search, export and reminders.

Pure domain code: it takes plain data and a SQLAlchemy session and never imports ``slack_*``,
so the same rules serve Slack listeners, the scheduler and the benchmark.
"""
