#!/usr/bin/env python3
"""SLA compliance and error budget of one service.

    scripts/sla_calculator.py --service portal --period month [--at TIMESTAMP] [--json]
                              [--url URL --token KEY]

Reads the database of DATABASE_URL, or a portal over its API with --url/--token. --json
prints the budget API's keys. Exit 0; 2 with one line for an unknown service or bad arguments.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import ArgumentParser, ToolError, add_common_arguments, api_get, check_remote, parse_timestamp, print_json, run, setup_django  # noqa: E402

PERIODS = ("month", "quarter", "year")


def build_parser():
    parser = ArgumentParser(prog="sla_calculator.py", description="SLA compliance and error budget of one service.")
    parser.add_argument("--service", required=True, help="service slug, e.g. portal")
    parser.add_argument("--period", choices=PERIODS, default="month")
    parser.add_argument("--at", help="the moment to report on (ISO 8601); default now. Nothing after it counts.")
    add_common_arguments(parser)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if check_remote(args):
        return remote(args)
    setup_django()
    from sla import report, selectors
    from sla.models import Service

    at = parse_timestamp(args.at) if args.at else None
    service = Service.objects.select_related("team").filter(slug=args.service).first()
    if service is None:
        raise ToolError(f"unknown service {args.service!r}")
    detail = selectors.service_budget_detail(service, period=args.period, at=at)
    budget = selectors.ServiceBudget.from_budget(service, detail)
    if args.json:
        print_json(budget.as_dict())
    else:
        print(report.plain_report(budget.as_dict(), name=f"{service.name} ({service.slug})", detail=detail))
    return 0


def remote(args) -> int:
    """The same report from a portal's API (the per-incident breakdown needs the database)."""
    from sla import report

    if args.at:
        parse_timestamp(args.at)  # a clear error here rather than the API's
    params = {"period": args.period, **({"at": args.at} if args.at else {})}
    body = api_get(args.url, args.token, f"/api/v1/services/{args.service}/budget/", params,
                   not_found=f"unknown service {args.service!r}")
    if args.json:
        print_json(body)
        return 0
    windows = api_get(args.url, args.token, "/api/v1/maintenance-windows/", {"service": args.service, "page_size": 500})
    print(report.plain_report(body, name=args.service, maintenance=report.maintenance_from_api(body, windows["results"])))
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
