"""Shared plumbing of the command-line tools in scripts/ (thin: they call services and selectors).

Each tool reads the database configured by DATABASE_URL, or, given --url URL --token KEY, a
portal over its API; has --json; and exits 2 with a one-line reason on bad arguments or
unknown objects (`ToolError`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXIT_BAD_INPUT = 2


class ToolError(Exception):
    """Bad arguments or an unknown object: one line on stderr, exit status 2."""

    def __init__(self, message: str, code: int = EXIT_BAD_INPUT):
        super().__init__(message)
        self.code = code


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit status 2)."""

    def error(self, message):
        raise ToolError(f"{self.prog}: {message}")


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--url", help="read a portal over its API instead of the database (e.g. https://portal.example.com)")
    parser.add_argument("--token", help="API token for --url (python manage.py create_api_token USERNAME)")


def check_remote(args) -> bool:
    """True when the tool should use the API; refuses --url without --token and vice versa."""
    if bool(args.url) != bool(args.token):
        raise ToolError("--url and --token go together")
    return bool(args.url)


def setup_django() -> None:
    """Use the project's settings (DATABASE_URL etc. from the environment). Safe to call twice."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "delivery_portal.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def parse_timestamp(text: str, *, name: str = "--at") -> datetime:
    """ISO 8601 (a trailing Z is fine). Naive times are taken in the portal's time zone."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ToolError(f"{name}: not a timestamp: {text!r} (use ISO 8601, e.g. 2026-11-18T02:24:00+00:00)") from None
    if value.tzinfo is None:
        setup_django()
        from django.utils import timezone

        value = timezone.make_aware(value)
    return value


def api_get(url: str, token: str, path: str, params: dict | None = None, *, not_found: str | None = None) -> dict:
    """GET `path` of the portal at `url`; API errors become ToolError with the API's words
    (`not_found` is the line for a 404)."""
    import requests

    try:
        response = requests.get(
            url.rstrip("/") + path, params=params or {}, headers={"Authorization": f"Token {token}", "Accept": "application/json"}, timeout=30
        )
    except requests.RequestException as exc:
        raise ToolError(f"cannot reach {url}: {exc.__class__.__name__}") from None
    if response.status_code == 200:
        return response.json()
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code == 404:
        raise ToolError(not_found or body.get("detail") or f"not found: {path}")
    if response.status_code in (401, 403):
        raise ToolError(f"the portal refused the token ({response.status_code}): {body.get('detail', '')}".rstrip(": "))
    if response.status_code == 400 and isinstance(body, dict):
        raise ToolError("; ".join(f"{field}: {' '.join(map(str, msgs if isinstance(msgs, list) else [msgs]))}" for field, msgs in body.items()))
    raise ToolError(f"the portal answered {response.status_code} for {path}")


def print_json(data) -> None:
    print(json.dumps(data, indent=2, sort_keys=False, default=str))


def run(main, argv=None) -> int:
    """Call main(argv); a ToolError prints one line on stderr and returns its exit status."""
    try:
        return main(argv)
    except ToolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
