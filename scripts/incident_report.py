#!/usr/bin/env python3
"""Incident report from its timeline: header, key times against targets, durations,
the full timeline, the post-mortem and its action items.

    scripts/incident_report.py --id INC-2026-0001 [--format markdown|html] [--output FILE] [--json]
                               [--url URL --token KEY]

Reads the database of DATABASE_URL, or a portal over its API with --url/--token.
Exit 0 with the report; exit 2 with one line for bad arguments or an unknown incident.
"""

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import _common  # noqa: E402


def main(argv=None) -> int:
    parser = _common.make_parser("Incident report from its timeline.")
    parser.add_argument("--id", required=True, dest="reference", help="the incident reference, e.g. INC-2026-0001")
    parser.add_argument("--format", choices=["markdown", "html"], default="markdown")
    parser.add_argument("--output", help="write the report to FILE instead of stdout")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"INC-\d{4}-\d{4,}", args.reference):
        _common.fail(f"not an incident reference: {args.reference!r} (expected INC-YYYY-NNNN)")
    remote = _common.check_remote(parser, args)
    if not remote:
        _common.setup_django()
    from incidents import report

    try:
        if remote:
            client = _common.ApiClient(args.url, args.token)
            try:
                data = report.build_from_api(client, args.reference, api_error=_common.ApiError)
            except _common.ApiError as exc:
                _common.fail(f"the portal answered {exc.status}: {exc.message}")
        else:
            data = report.build_from_db(args.reference)
    except report.IncidentNotFound:
        _common.fail(f"unknown incident: {args.reference}")
    if args.json:
        if args.output:
            import json

            text = json.dumps(data, indent=2, default=str)
        else:
            _common.print_json(data)
            return 0
    elif args.format == "html":
        text = report.to_html(data)
    else:
        text = report.to_markdown(data)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            _common.fail(f"cannot write {args.output}: {exc.strerror}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
