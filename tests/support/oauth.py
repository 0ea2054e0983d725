"""Multi-workspace installs: the OAuth client, two workspaces, and the install flow over HTTP."""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography.fernet import Fernet
from sqlalchemy import func, select

from bot.app import BOT_SCOPES
from bot.services import Services
from bot.web import make_wsgi_app
from tests.support.abuse import call_wsgi

CLIENT_ID, CLIENT_SECRET = "1111.2222", "oauth-client-secret"
KEY_A, KEY_B = Fernet.generate_key().decode(), Fernet.generate_key().decode()
TEAM_A, TEAM_B = "T0AAAAAAA", "T0BBBBBBB"
TOKEN_A, TOKEN_B = "xoxb-team-a-token", "xoxb-team-b-token"


def install(oauth, team: str, code: str | None = None, client: str = "127.0.0.1") -> int:
    """The whole install flow over HTTP: the install page, then Slack's redirect back."""
    edge = make_wsgi_app(*oauth)
    headers: list[tuple[str, str]] = []
    status, page = call_wsgi(
        edge, b"", {}, method="GET", path="/slack/install", client=client, response_headers=headers
    )
    assert status == 200, page
    cookie = SimpleCookie({k.lower(): v for k, v in headers}["set-cookie"])
    state = cookie["slack-app-oauth-state"].value
    link = page.split('<a href="')[1].split('"')[0]
    query = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
    assert query["client_id"] == [CLIENT_ID]
    assert set(query["scope"][0].split(",")) == set(BOT_SCOPES)
    status, _ = call_wsgi(
        edge,
        b"",
        {"Cookie": f"slack-app-oauth-state={state}"},
        method="GET",
        path="/slack/oauth_redirect",
        query=urlencode({"code": code or f"code-{team}", "state": state}),
        client=client,
    )
    return status


def count_rows(services: Services, table, team: str) -> int:
    with services.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table).where(table.c.team_id == team))
