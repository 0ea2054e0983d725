"""The news pipeline: feeds in, one digest per team out. Pure domain code (no Slack, no SQL).

fetch (safe HTTP) → normalize (clean entries) → dedupe (stories) → topics → rank → why →
compose (per team). Every step takes and returns plain dataclasses, so the worker can store
them and the preview command can print them.
"""
