"""What the four command-line tools share: Django set-up, the API client, exits.

A tool reads the database of DATABASE_URL through the same services and selectors as the
site, or, given --url and --token, a portal over its REST API. Both give the same answers.
Exit status 2 with a one-line reason for bad arguments or unknown objects.
"""

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line on stderr and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def make_parser(description: str) -> OneLineParser:
    parser = OneLineParser(description=description)
    parser.add_argument("--json", action="store_true", help="print JSON for machines instead of the report")
    parser.add_argument("--url", help="a portal's base URL, e.g. https://portal.example.com (use its API)")
    parser.add_argument("--token", help="API token for --url (python manage.py create_api_token USER)")
    return parser


def check_remote(parser, args) -> bool:
    """True when the tool should use the API; --url and --token go together."""
    if bool(args.url) != bool(args.token):
        parser.error("--url and --token must be given together")
    return bool(args.url)


def fail(message: str, status: int = 2):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(status)


def setup_django():
    """Configure Django for a local run (DATABASE_URL or the embedded SQLite)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "delivery_portal.settings")
    import django

    django.setup()


class ApiError(Exception):
    def __init__(self, status: int, body):
        self.status = status
        self.body = body
        super().__init__(f"HTTP {status}: {body}")

    @property
    def message(self) -> str:
        if isinstance(self.body, dict):
            if "detail" in self.body:
                return str(self.body["detail"])
            return "; ".join(f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in self.body.items())
        return str(self.body)


class ApiClient:
    """A small JSON client for /api/v1/ with token authentication."""

    def __init__(self, base_url: str, token: str, timeout: float = 30.0):
        import requests

        self.base = base_url.rstrip("/") + "/api/v1/"
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Token {token}", "Accept": "application/json"})
        self.timeout = timeout

    def request(self, method: str, path: str, **kwargs):
        import requests

        try:
            response = self.session.request(method, self.base + path.lstrip("/"), timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            fail(f"cannot reach {self.base}: {exc}")
        try:
            body = response.json()
        except ValueError:
            body = response.text[:200]
        if response.status_code >= 400:
            raise ApiError(response.status_code, body)
        return body

    def get(self, path: str, params=None):
        return self.request("GET", path, params=params)

    def post(self, path: str, payload=None):
        return self.request("POST", path, json=payload or {})


def print_json(data) -> None:
    print(json.dumps(data, indent=2, sort_keys=False, default=str))
