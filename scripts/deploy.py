#!/usr/bin/env python
"""Start and follow a coordinated deployment.

    scripts/deploy.py --env production --strategy canary --service S --version V
        [--change CHG-...] [--release v..] [--critical --reason ...]
        [--dry-run] [--no-follow] [--json] [--url URL --token KEY] [--poll SECONDS]

Prints the plan, starts the rollout through the portal's services (the database of
DATABASE_URL) or, with --url/--token, through the API, then follows it with a progress
bar. The stages are advanced by the portal's Celery workers and beat, never by this
script: it only reads. --dry-run prints stages, durations, gates and what the gates would
decide now, and starts nothing.

Exit status: 0 completed (or started, with --no-follow; or the dry run would start),
1 halted or rolled back (or failed), 4 refused by a gate, 2 bad input; 5 still running
when --timeout ended the following (the rollout goes on in the portal).
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXIT_OK, EXIT_HALTED, EXIT_BAD_INPUT, EXIT_REFUSED, EXIT_STILL_RUNNING = 0, 1, 2, 4, 5
STRATEGIES = ("canary", "blue_green", "rolling", "big_bang")
ACTIVE = ("running", "paused", "holding")


class BadInput(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line and exit 2, as the contract says
        print(f"deploy.py: {message}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


def parse_args(argv=None):
    parser = Parser(description="Start and follow a coordinated deployment.")
    parser.add_argument("--env", "--environment", dest="env", default="production")
    parser.add_argument("--strategy", choices=STRATEGIES, default="canary")
    parser.add_argument("--service", required=True, help="service slug")
    parser.add_argument("--version", required=True)
    parser.add_argument("--change", help="change reference (CHG-YYYY-NNNN)")
    parser.add_argument("--release", help="release version (v2.5.0)")
    parser.add_argument("--critical", action="store_true", help="critical: may run during a freeze (needs --reason)")
    parser.add_argument("--reason", default="")
    parser.add_argument("--dry-run", action="store_true", help="print the plan and the gate decisions only")
    parser.add_argument("--no-follow", action="store_true", help="start and exit without following")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--url", help="portal base URL (use the API instead of the database)")
    parser.add_argument("--token", help="API token (with --url)")
    parser.add_argument("--user", default=os.environ.get("PORTAL_USER"), help="requester (local mode); a delivery manager")
    parser.add_argument("--poll", type=float, default=5.0, help="seconds between progress checks")
    parser.add_argument("--timeout", type=float, default=0, help="stop following after this many seconds (0: never)")
    args = parser.parse_args(argv)
    if bool(args.url) != bool(args.token):
        parser.error("--url and --token go together")
    if args.critical and not args.reason.strip():
        parser.error("--critical needs --reason")
    if args.poll <= 0:
        parser.error("--poll must be positive")
    return args


# --- Backends: the database (services) or the API ------------------------------------------
class LocalBackend:
    def __init__(self, args):
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "delivery_portal.settings")
        import django

        django.setup()
        from changes.models import ChangeRequest
        from releases.models import Release
        from sla.models import Service

        self.args = args
        self.service = Service.objects.filter(slug=args.service).first()
        if self.service is None:
            raise BadInput(f"unknown service {args.service!r}")
        self.change = self.release = None
        if args.change:
            self.change = ChangeRequest.objects.filter(reference=args.change).first()
            if self.change is None:
                raise BadInput(f"unknown change {args.change!r}")
        if args.release:
            self.release = Release.objects.filter(version=args.release).first()
            if self.release is None:
                raise BadInput(f"unknown release {args.release!r}")
        self.user = None
        if args.user:
            from django.contrib.auth import get_user_model

            self.user = get_user_model().objects.filter(username=args.user).first()
            if self.user is None:
                raise BadInput(f"unknown user {args.user!r}")

    def _common(self):
        a = self.args
        return dict(service=self.service, environment=a.env, version=a.version, strategy=a.strategy,
                    change=self.change, release=self.release, critical=a.critical, reason=a.reason)

    def plan(self):
        from deployments import services

        return services.plan_preview(**self._common())

    def start(self):
        from django.core.exceptions import PermissionDenied

        from deployments import services

        try:
            deployment = services.deployment_request(**self._common(), by=self.user)
        except PermissionDenied as exc:
            raise BadInput(str(exc)) from exc
        return self.get(deployment.pk)

    def get(self, pk):
        from deployments.selectors import deployments_with_detail
        from deployments.serializers import DeploymentSerializer

        return json.loads(json.dumps(DeploymentSerializer(deployments_with_detail().get(pk=pk)).data, default=str))


class ApiBackend:
    def __init__(self, args):
        import requests

        self.args = args
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Token {args.token}", "Accept": "application/json"})
        self.base = args.url.rstrip("/") + "/api/v1/deployments/"

    def _body(self):
        a = self.args
        body = {"service": a.service, "environment": a.env, "version": a.version, "strategy": a.strategy,
                "critical": a.critical, "reason": a.reason}
        if a.change:
            body["change"] = a.change
        if a.release:
            body["release"] = a.release
        return body

    def _post(self, url):
        import requests

        try:
            response = self.session.post(url, json=self._body(), timeout=30)
        except requests.RequestException as exc:
            raise BadInput(f"portal unreachable: {exc}") from exc
        if response.status_code == 400:
            raise BadInput("; ".join(f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in response.json().items()))
        if response.status_code in (401, 403):
            raise BadInput(f"the portal refused the token (HTTP {response.status_code})")
        return response

    def plan(self):
        response = self._post(self.base + "plan/")
        response.raise_for_status()
        return response.json()

    def start(self):
        response = self._post(self.base)
        if response.status_code == 409:
            data = response.json()
            return {"id": data.get("id"), "state": "refused", "reasons": data.get("reasons", []), "traffic_percent": 0,
                    "stages": [], "current_stage": None, "detail": data.get("detail")}
        response.raise_for_status()
        return response.json()

    def get(self, pk):
        response = self.session.get(f"{self.base}{pk}/", timeout=30)
        response.raise_for_status()
        return response.json()


# --- Output -----------------------------------------------------------------------------------
def minutes(value):
    value = float(value)
    if value == 0:
        return "no wait"
    if value < 1:
        return f"{round(value * 60)} s"
    return f"{value / 60:g} h" if value >= 60 and not value % 60 else f"{value:g} min"


def print_plan(plan, out=None):
    out = out or sys.stdout
    print(f"Deploy {plan['service']} {plan['version']} to {plan['environment']} ({plan['strategy']}; "
          f"router {plan['router']}, metrics {plan['metrics']})", file=out)
    for number, stage in enumerate(plan["stages"], 1):
        print(f"  {number}. {stage['name']:<40} {stage['traffic_percent']:>3}%  monitor {minutes(stage['monitor_minutes']):>8}"
              f"  gates: {', '.join(stage['gates'])}", file=out)
    print(f"  Total monitoring: {minutes(plan['total_minutes'])}", file=out)
    print("Gates at each stage: " + "; ".join(plan["gates"]) + ". A breach halts and rolls back; no data holds.", file=out)
    if plan["reasons"]:
        print("Start gates: REFUSED", file=out)
        for reason in plan["reasons"]:
            print(f"  - {reason}", file=out)
    else:
        print("Start gates: pass (freeze, change, release, maintenance window)", file=out)


def bar(percent, width=30):
    filled = round(width * max(0, min(100, percent)) / 100)
    return "[" + "#" * filled + "." * (width - filled) + f"] {percent:3d}%"


def progress_line(deployment):
    stages = deployment.get("stages") or []
    current = deployment.get("current_stage")
    where = ""
    if current is not None and current < len(stages):
        stage = stages[current]
        where = f" stage {current + 1}/{len(stages)} ({stage['traffic_percent']}%, {stage['state']})"
    return f"{bar(deployment.get('traffic_percent') or 0)} {deployment['state']}{where}"


def exit_code(state):
    if state == "succeeded":
        return EXIT_OK
    if state == "refused":
        return EXIT_REFUSED
    return EXIT_HALTED


def main(argv=None):
    args = parse_args(argv)
    try:
        backend = ApiBackend(args) if args.url else LocalBackend(args)
        plan = backend.plan()
    except BadInput as exc:
        print(f"deploy.py: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    human = sys.stderr if args.json else sys.stdout
    if args.dry_run:
        if args.json:
            print(json.dumps({"dry_run": True, **plan}, indent=2, default=str))
        else:
            print_plan(plan)
            print("Dry run: nothing started.")
        return EXIT_OK if plan["would_start"] else EXIT_REFUSED
    if not args.json:
        print_plan(plan)
    try:
        deployment = backend.start()
    except BadInput as exc:
        print(f"deploy.py: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if deployment["state"] == "refused":
        if args.json:
            print(json.dumps(deployment, indent=2, default=str))
        else:
            print(f"Refused (recorded as deployment {deployment.get('id')}):")
            for reason in deployment.get("reasons") or []:
                print(f"  - {reason}")
        return EXIT_REFUSED
    print(f"Started deployment {deployment['id']}.", file=human)
    if args.no_follow:
        if args.json:
            print(json.dumps(deployment, indent=2, default=str))
        return EXIT_OK
    last, started = None, time.monotonic()
    while deployment["state"] in ACTIVE:
        line = progress_line(deployment)
        if line != last:
            print(line, file=human, flush=True)
            last = line
        if args.timeout and time.monotonic() - started > args.timeout:
            print("deploy.py: stopped following (--timeout); the rollout goes on in the portal.", file=sys.stderr)
            if args.json:
                print(json.dumps(deployment, indent=2, default=str))
            return EXIT_STILL_RUNNING
        time.sleep(args.poll)
        deployment = backend.get(deployment["id"])
    print(progress_line(deployment), file=human)
    if deployment.get("halt_reason"):
        print(f"Halted: {deployment['halt_reason']}", file=human)
    if args.json:
        print(json.dumps(deployment, indent=2, default=str))
    return exit_code(deployment["state"])


if __name__ == "__main__":
    sys.exit(main())
