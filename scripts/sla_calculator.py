#!/usr/bin/env python
"""SLA compliance and error budget of one service.

    .venv/bin/python scripts/sla_calculator.py --service portal --period month [--at TIMESTAMP]
                                               [--json] [--url URL --token KEY]

Reads the database of DATABASE_URL (through sla.selectors, like the site), or with
--url/--token a portal over its API (GET /api/v1/services/{slug}/budget/). --json prints
exactly the budget API's answer. Exit status 0; 2 with a one-line reason for an unknown
service or bad arguments.
"""

import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import _common  # noqa: E402

PERIODS = ("month", "quarter", "year")


def build_parser():
    parser = _common.make_parser("SLA compliance and error budget of one service.")
    parser.prog = "sla_calculator.py"
    parser.add_argument("--service", required=True, help="the service's slug, e.g. portal")
    parser.add_argument("--period", choices=PERIODS, default="month", help="calendar period (default month)")
    parser.add_argument("--at", help="the moment to report on, ISO 8601 (default now); nothing after it counts")
    return parser


def parse_at(text: str) -> datetime:
    """ISO 8601 (a trailing Z is fine); a time without an offset is in the portal's time zone."""
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        _common.fail(f"--at: not a timestamp: {text!r} (use ISO 8601, e.g. 2026-11-18T02:24:00+00:00)")


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    at = parse_at(args.at) if args.at else None
    if _common.check_remote(parser, args):
        return from_api(args)
    _common.setup_django()
    from django.utils import timezone

    from sla import report, selectors
    from sla.models import Service

    if at is not None and timezone.is_naive(at):
        at = timezone.make_aware(at)
    service = Service.objects.select_related("team").filter(slug=args.service).first()
    if service is None:
        _common.fail(f"unknown service {args.service!r}")
    detail = selectors.service_budget_detail(service, period=args.period, at=at)
    budget = selectors.ServiceBudget.from_budget(service, detail).as_dict()
    if args.json:
        _common.print_json(budget)
    else:
        print(report.plain_report(budget, name=f"{service.name} ({service.slug})", detail=detail))
    return 0


def from_api(args) -> int:
    """The same numbers from a portal's API (the per-incident lines need the database)."""
    from sla import report  # pure Python: no Django set-up needed

    api = _common.ApiClient(args.url, args.token)
    params = {"period": args.period, **({"at": args.at} if args.at else {})}
    try:
        budget = api.get(f"services/{args.service}/budget/", params)
        windows = [] if args.json else api.get("maintenance-windows/", {"service": args.service, "page_size": 500})["results"]
    except _common.ApiError as exc:
        if exc.status == 404:
            _common.fail(f"unknown service {args.service!r}")
        if exc.status in (401, 403):
            _common.fail(f"the portal refused the token ({exc.status}): {exc.message}")
        _common.fail(exc.message)
    if args.json:
        _common.print_json(budget)
    else:
        print(report.plain_report(budget, name=args.service, maintenance=report.maintenance_from_api(budget, windows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
