"""Block Kit builders (slack_sdk models): plain data in, blocks and views out, no sending."""
