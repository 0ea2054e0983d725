"""Sending to Slack outside a listener's own reply: a workspace's client, paced posts, the
digest runs and ``/buildvsbuy digest`` actions. The domain packages it calls never do."""
