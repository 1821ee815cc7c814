"""Slack as the tests see it: requests signed the way Slack signs them (its documented v0
scheme, computed here independently of slack-sdk), payloads in Slack's documented shapes,
and a real HTTP server on 127.0.0.1 standing in for the incoming webhook, the
`response_url` and the Web API."""

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlencode

import pytest

from accounts import services as account_services
from deployments.tests.realservices import serve
from sla.tests.factories import ServiceFactory, TeamFactory

SECRET = "8f742231b10e8888abcd99edabcd00d1"  # Slack's docs use one of this shape


def sign(body: bytes, *, secret=SECRET, timestamp=None) -> dict:
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + timestamp.encode() + b":" + body
    return {"HTTP_X_SLACK_REQUEST_TIMESTAMP": timestamp,
            "HTTP_X_SLACK_SIGNATURE": "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()}


def command_body(text, *, user_id="U0ONCALL", response_url="https://hooks.slack.com/commands/T0PORTAL/111/abc") -> dict:
    """A slash command as Slack posts it (application/x-www-form-urlencoded)."""
    return {
        "token": "legacy-verification-token-unused", "team_id": "T0PORTAL", "team_domain": "portal-corp",
        "channel_id": "C0INCIDENTS", "channel_name": "incidents", "user_id": user_id, "user_name": "someone",
        "command": "/incident", "text": text, "api_app_id": "A0PORTAL", "is_enterprise_install": "false",
        "response_url": response_url, "trigger_id": "1111.2222.abcdef",
    }


class Receiver:
    """A real HTTP server: records each POST (path, headers, JSON body) and answers with the
    queued statuses (then 200 "ok", as Slack's incoming webhooks do)."""

    def __init__(self):
        self.posts, self.statuses, self.lock = [], [], threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.posts.append((self.path, dict(self.headers), body))
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                answer = b'{"ok": true}' if self.path.startswith("/api/") else (b"ok" if status == 200 else b"no_service")
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if self.path.startswith("/api/") else "text/plain")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server, self.url = serve(Handler)

    def json(self, index=-1) -> dict:
        return json.loads(self.posts[index][2])

    def form(self, index=-1) -> dict:
        from urllib.parse import parse_qs

        return {k: v[0] for k, v in parse_qs(self.posts[index][2].decode()).items()}

    def to(self, prefix) -> list:
        return [json.loads(body) if body.startswith(b"{") else body for path, _h, body in self.posts if path.startswith(prefix)]


@pytest.fixture
def slack(settings):
    settings.SLACK_SIGNING_SECRET = SECRET
    settings.SLACK_BOT_TOKEN = ""
    settings.SITE_URL = "https://portal.example.com"
    return settings


@pytest.fixture
def receiver(settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    server = Receiver()
    yield server
    server.server.shutdown()


@pytest.fixture
def team(db, receiver):
    return TeamFactory(slug="payments", name="Payments", slack_webhook_url=f"{receiver.url}/services/T0/B0/hook")


@pytest.fixture
def checkout(team):
    return ServiceFactory(slug="checkout", name="Checkout", team=team)


@pytest.fixture
def linked(users):
    """Link users to Slack member IDs: U0<USERNAME>."""
    for name, user in users.items():
        account_services.profile_update(user=user, by=user, slack_user_id=f"U0{name.upper()}")
    return users


@pytest.fixture
def post_command(client, slack):
    def post(text, *, user_id="U0ONCALL", timestamp=None, secret=SECRET, response_url=None):
        kwargs = {"response_url": response_url} if response_url else {}
        body = urlencode(command_body(text, user_id=user_id, **kwargs)).encode()
        return client.post("/integrations/slack/commands/", body, content_type="application/x-www-form-urlencoded",
                           **sign(body, secret=secret, timestamp=timestamp))

    return post


@pytest.fixture
def post_interaction(client, slack):
    def post(payload: dict, *, timestamp=None):
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return client.post("/integrations/slack/interactions/", body, content_type="application/x-www-form-urlencoded",
                           **sign(body, timestamp=timestamp))

    return post
