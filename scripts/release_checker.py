#!/usr/bin/env python
"""Release readiness against every exit criterion, with a go/no-go recommendation.

    .venv/bin/python scripts/release_checker.py --version v2.5.0 [--json] [--url URL --token KEY]

Reads the database of DATABASE_URL, or with --url/--token a portal over its API
(GET /api/v1/releases/{version}/readiness/). The report and --json come from the same
readiness document (releases.selectors.release_readiness).

Exit status: 0 GO, 3 CONDITIONAL GO, 1 NO-GO, 2 bad arguments or unknown release.
"""

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from releases.domain import report, versions  # noqa: E402  (pure Python: no Django needed for --url)


class BadInput(Exception):
    """A one-line reason; exit status 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise BadInput(message)


def build_parser():
    parser = Parser(prog="release_checker.py", description="Release readiness and go/no-go recommendation.")
    parser.add_argument("--version", required=True, help="the release version, e.g. v2.5.0")
    parser.add_argument("--json", action="store_true", help="print the readiness JSON (as the API returns it)")
    parser.add_argument("--url", help="a portal's base URL, e.g. https://portal.example.com")
    parser.add_argument("--token", help="an API token (python manage.py create_api_token USERNAME)")
    return parser


def readiness_from_database(version: str) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "delivery_portal.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    from releases.selectors import release_by_version, release_readiness

    release = release_by_version(version)
    if release is None:
        raise BadInput(f"unknown release {version}")
    return release_readiness(release)


def readiness_from_api(url: str, token: str, version: str) -> dict:
    import requests
    from urllib.parse import quote

    endpoint = f"{url.rstrip('/')}/api/v1/releases/{quote(version, safe='')}/readiness/"
    try:
        response = requests.get(endpoint, headers={"Authorization": f"Token {token}", "Accept": "application/json"},
                                timeout=30)
    except requests.RequestException as exc:
        raise BadInput(f"cannot reach {url}: {exc.__class__.__name__}") from exc
    if response.status_code == 404:
        raise BadInput(f"unknown release {version}")
    if response.status_code in (401, 403):
        raise BadInput(f"the portal refused the token ({response.status_code})")
    if response.status_code != 200:
        raise BadInput(f"the portal answered {response.status_code}")
    try:
        return response.json()
    except ValueError as exc:
        raise BadInput("the portal did not answer with JSON") from exc


def main(argv=None, out=None) -> int:
    out = out or sys.stdout
    try:
        args = build_parser().parse_args(argv)
        try:
            version = versions.canonical_version(args.version)  # 2.5.0 and v2.5.0 are one release
        except ValueError as exc:
            raise BadInput(str(exc)) from exc
        if bool(args.url) != bool(args.token):
            raise BadInput("--url and --token go together")
        if args.url:
            readiness = readiness_from_api(args.url, args.token, version)
        else:
            readiness = readiness_from_database(version)
    except BadInput as exc:
        print(f"release_checker: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(readiness, indent=2), file=out)
    else:
        print(report.format_report(readiness), file=out)
    return report.EXIT_CODES[readiness["recommendation"]]


if __name__ == "__main__":
    sys.exit(main())
