"""Shared plumbing of the command-line tools in scripts/ (thin: they call services/selectors).

- `parser(description)`: argparse with --url/--token/--json whose errors are one line, exit 2.
- `setup_django()`: use the database of DATABASE_URL through the project's settings.
- `ApiClient(url, token)`: the portal over its REST API (`Authorization: Token ...`).
- `fail(message)`: one line on stderr, exit 2.
- `emit(text, output)`: write to FILE, or stdout without --output.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXIT_BAD_INPUT = 2


class NotFound(Exception):
    """The object asked for does not exist (exit 2)."""


class OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        fail(f"{self.prog}: {message}")


def parser(description: str) -> argparse.ArgumentParser:
    p = OneLineParser(description=description)
    p.add_argument("--url", help="Use a portal over its API instead of the database (needs --token).")
    p.add_argument("--token", default=os.environ.get("PORTAL_TOKEN"), help="API token (or PORTAL_TOKEN).")
    p.add_argument("--json", action="store_true", help="Machine-readable JSON output.")
    return p


def check_remote(args) -> bool:
    """True when the tool should talk to a portal over HTTP."""
    if args.url and not args.token:
        fail("--url needs --token (or PORTAL_TOKEN)")
    return bool(args.url)


def fail(message: str, code: int = EXIT_BAD_INPUT):
    print(message.splitlines()[0] if message else "error", file=sys.stderr)
    raise SystemExit(code)


def setup_django():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "delivery_portal.settings")
    import django

    django.setup()


class ApiClient:
    def __init__(self, url: str, token: str, timeout: float = 30.0):
        import requests

        self.base = url.rstrip("/")
        if not self.base.endswith("/api/v1"):
            self.base += "/api/v1"
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Token {token}", "Accept": "application/json"})
        self.timeout = timeout

    def get(self, path: str, **params):
        import requests

        url = path if path.startswith("http") else f"{self.base}/{path.lstrip('/')}"
        try:
            response = self.session.get(url, params=params or None, timeout=self.timeout)
        except requests.RequestException as exc:
            fail(f"cannot reach the portal at {self.base}: {exc.__class__.__name__}")
        if response.status_code == 404:
            raise NotFound(url)
        if response.status_code in (401, 403):
            fail(f"the portal refused the token ({response.status_code})")
        if response.status_code >= 400:
            fail(f"the portal answered {response.status_code} for {url}")
        return response.json()

    def get_all(self, path: str, **params) -> list:
        """Every result of a paginated list."""
        page = self.get(path, **params)
        results = list(page.get("results", []))
        while page.get("next"):
            page = self.get(page["next"])
            results.extend(page.get("results", []))
        return results


def emit(text: str, output: str | None = None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
