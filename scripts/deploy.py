#!/usr/bin/env python
"""Start and follow a coordinated deployment.

    scripts/deploy.py --env production --strategy canary --service S --version V
        [--change CHG-...] [--release v..] [--critical --reason ...]
        [--dry-run] [--no-follow] [--json] [--url URL --token KEY] [--poll SECONDS]

Prints the plan, starts the rollout through the portal's services (the database of
DATABASE_URL) or, with --url/--token, through the API, then follows it with a progress
bar. The stages are advanced by the portal's Celery workers and beat, never by this
script: it only reads. --dry-run prints stages, durations, gates and what the gates would
decide now, and starts nothing. With --json, a real run prints one JSON object at the end:
the deployment, with that plan under "plan".

Exit status: 0 completed (or started, with --no-follow; or the dry run would start),
1 halted or rolled back (or failed), 4 refused by a gate, 2 bad input; 5 still running
when --timeout ended the following (the rollout goes on in the portal).
"""

import getpass
import json
import os
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from delivery_portal.strategy_guide import Strategy  # noqa: E402  (no Django set-up needed for --url)
from scripts._common import ApiClient, ApiError, check_remote, make_parser, print_json, setup_django  # noqa: E402

EXIT_OK, EXIT_HALTED, EXIT_BAD_INPUT, EXIT_REFUSED, EXIT_STILL_RUNNING = 0, 1, 2, 4, 5
ACTIVE = ("running", "paused", "holding")


class BadInput(Exception):
    pass


def parse_args(argv=None):
    parser = make_parser("Start and follow a coordinated deployment.")  # --json, --url, --token
    parser.prog = "deploy.py"
    parser.add_argument("--env", "--environment", dest="env", default="production")
    parser.add_argument("--strategy", choices=Strategy.values, default="canary")
    parser.add_argument("--service", required=True, help="service slug")
    parser.add_argument("--version", required=True)
    parser.add_argument("--change", help="change reference (CHG-YYYY-NNNN)")
    parser.add_argument("--release", help="release version (v2.5.0)")
    parser.add_argument("--critical", action="store_true", help="critical: may run during a freeze (needs --reason)")
    parser.add_argument("--reason", default="")
    parser.add_argument("--dry-run", action="store_true", help="print the plan and the gate decisions only")
    parser.add_argument("--no-follow", action="store_true", help="start and exit without following")
    parser.add_argument("--user", default=os.environ.get("PORTAL_USER") or None,
                        help="requester in local mode (a delivery manager's username; default $PORTAL_USER). "
                             "Without one, the deployment records the operating-system user and host it came from")
    parser.add_argument("--poll", type=float, default=5.0, help="seconds between progress checks")
    parser.add_argument("--timeout", type=float, default=0, help="stop following after this many seconds (0: never)")
    args = parser.parse_args(argv)
    check_remote(parser, args)
    if args.critical and not args.reason.strip():
        parser.error("--critical needs --reason")
    if args.poll <= 0:
        parser.error("--poll must be positive")
    return args


# --- Backends: the database (services) or the API ------------------------------------------
class LocalBackend:
    def __init__(self, args):
        setup_django()
        from changes.models import ChangeRequest
        from releases.selectors import release_by_version
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
            self.release = release_by_version(args.release)  # any spelling: 2.5.0 is v2.5.0
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

    def _origin(self):
        """Who asked, for the audit trail, when no portal user is named (a pipeline with database access)."""
        if self.user is not None:
            return ""
        return f"deploy.py (local mode) run by {getpass.getuser()}@{socket.gethostname()}"

    def plan(self):
        from deployments import selectors

        return selectors.plan_preview(**self._common())

    def start(self):
        from django.core.exceptions import PermissionDenied

        from deployments.services import starting

        try:
            deployment = starting.deployment_request(**self._common(), by=self.user, origin=self._origin())
        except PermissionDenied as exc:
            raise BadInput(str(exc)) from exc
        return self.get(deployment.pk)

    def get(self, pk):
        from deployments.selectors import deployments_with_detail
        from deployments.serializers import DeploymentSerializer

        return json.loads(json.dumps(DeploymentSerializer(deployments_with_detail().get(pk=pk)).data, default=str))


class ApiBackend:
    def __init__(self, args):
        self.args = args
        self.client = ApiClient(args.url, args.token)

    def _body(self):
        a = self.args
        body = {"service": a.service, "environment": a.env, "version": a.version, "strategy": a.strategy,
                "critical": a.critical, "reason": a.reason}
        if a.change:
            body["change"] = a.change
        if a.release:
            body["release"] = a.release
        return body

    def _post(self, path):
        try:
            return self.client.post(path, self._body())
        except ApiError as exc:
            if exc.status == 409 and isinstance(exc.body, dict) and "reasons" in exc.body:
                raise
            if exc.status in (401, 403):
                raise BadInput(f"the portal refused the token (HTTP {exc.status})") from exc
            raise BadInput(exc.message) from exc

    def plan(self):
        return self._post("deployments/plan/")

    def start(self):
        try:
            return self._post("deployments/")
        except ApiError as exc:  # 409: refused by a gate, and recorded
            data = exc.body
            return {"id": data.get("id"), "state": "refused", "reasons": data.get("reasons", []), "traffic_percent": 0,
                    "stages": [], "current_stage": None, "detail": data.get("detail")}

    def get(self, pk):
        return self.client.get(f"deployments/{pk}/")


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
    if args.dry_run:
        return dry_run(args, plan)
    if not args.json:
        print_plan(plan)
    try:
        deployment = backend.start()
    except BadInput as exc:
        print(f"deploy.py: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if deployment["state"] == "refused":
        return refused(args, deployment, plan)
    print(f"Started deployment {deployment['id']}.", file=sys.stderr if args.json else sys.stdout)
    if args.no_follow:
        if args.json:
            emit(deployment, plan)
        return EXIT_OK
    return follow(args, backend, deployment, plan)


def emit(deployment, plan):
    """--json: the deployment as the portal reports it, with the plan it was started from
    (stages, durations, gates, the start gates' decision) under "plan", so pipelines get
    in one object what people read above the progress bar."""
    print_json({**deployment, "plan": plan})


def dry_run(args, plan) -> int:
    """--dry-run: the plan and what the start gates would decide now; nothing starts."""
    if args.json:
        print_json({"dry_run": True, **plan})
    else:
        print_plan(plan)
        print("Dry run: nothing started.")
    return EXIT_OK if plan["would_start"] else EXIT_REFUSED


def refused(args, deployment, plan) -> int:
    """The gates refused the start (the portal recorded the refusal): say why."""
    if args.json:
        emit(deployment, plan)
    else:
        print(f"Refused (recorded as deployment {deployment.get('id')}):")
        for reason in deployment.get("reasons") or []:
            print(f"  - {reason}")
    return EXIT_REFUSED


def follow(args, backend, deployment, plan) -> int:
    """Read the rollout every --poll seconds and print its progress when it changes, until it
    ends (or --timeout); the portal's workers advance it, never this script."""
    human = sys.stderr if args.json else sys.stdout
    last, started = None, time.monotonic()
    while deployment["state"] in ACTIVE:
        line = progress_line(deployment)
        if line != last:
            print(line, file=human, flush=True)
            last = line
        if args.timeout and time.monotonic() - started > args.timeout:
            print("deploy.py: stopped following (--timeout); the rollout goes on in the portal.", file=sys.stderr)
            if args.json:
                emit(deployment, plan)
            return EXIT_STILL_RUNNING
        time.sleep(args.poll)
        deployment = backend.get(deployment["id"])
    print(progress_line(deployment), file=human)
    if deployment.get("halt_reason"):
        print(f"Halted: {deployment['halt_reason']}", file=human)
    if args.json:
        emit(deployment, plan)
    return exit_code(deployment["state"])


if __name__ == "__main__":
    sys.exit(main())
