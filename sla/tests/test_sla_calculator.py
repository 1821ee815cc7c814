"""scripts/sla_calculator.py: the report, --json equal to the API, exit statuses."""

import json
import subprocess
import sys
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from sla.tests.factories import ImpactWindowFactory, MaintenanceWindowFactory, ServiceFactory

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import sla_calculator  # noqa: E402

UTC = timezone.utc
AT = "2026-11-18T02:24:00+00:00"


def t(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def portal(db):
    service = ServiceFactory(slug="portal", name="Portal", sla_target=Decimal("99.9"))
    ImpactWindowFactory(service=service, source_ref="INC-2026-0001", title="Checkout errors", started_at=t(2026, 11, 3, 10), ended_at=t(2026, 11, 3, 10, 15))
    ImpactWindowFactory(service=service, source_ref="INC-2026-0002", title="Slow search", started_at=t(2026, 11, 12, 8), ended_at=t(2026, 11, 12, 8, 10))
    # Half of the second incident fell inside planned maintenance.
    MaintenanceWindowFactory(service=service, starts_at=t(2026, 11, 12, 8, 5), ends_at=t(2026, 11, 12, 9), reason="Index rebuild")
    return service


def call(argv, capsys):
    try:
        code = sla_calculator.main(argv)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_plain_report_in_the_handbook_style(portal, capsys):
    code, out, err = call(["--service", "portal", "--period", "month", "--at", AT], capsys)
    assert code == 0, err
    assert out.splitlines() == [
        "Service: Portal (portal)",
        "Period: month 2026-11-01 00:00 UTC to 2026-12-01 00:00 UTC, as of 2026-11-18 02:24 UTC",
        "SLA: 99.9% availability",
        "Error Budget: 0.1% = 43.8 minutes/month",
        "Budget Consumption:",
        "  Incident 1: INC-2026-0001 Checkout errors: 15 min",
        "  Incident 2: INC-2026-0002 Slow search: 5 min",
        "  Total used: 20 min",
        "Scheduled maintenance (excluded):",
        "  2026-11-12 08:05 UTC to 2026-11-12 09:00 UTC: Index rebuild (55 min, 5 min of impact excluded)",
        "Remaining: 23.8 min (54% remaining)",
        "Burn rate: 0.8x (on track)",
        "Deploy freeze: no",
    ]


def test_json_equals_the_budget_api(portal, capsys, api_for):
    code, out, _ = call(["--service", "portal", "--period", "quarter", "--at", AT, "--json"], capsys)
    assert code == 0
    api = api_for("viewer").get("/api/v1/services/portal/budget/", {"period": "quarter", "at": AT}).json()
    assert json.loads(out) == api
    assert json.loads(out)["budget_minutes"] == 131.4


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--service", "ghost"], "unknown service 'ghost'"),
        (["--service", "portal", "--period", "week"], "invalid choice: 'week'"),
        (["--service", "portal", "--at", "yesterday"], "--at: not a timestamp"),
        (["--period", "month"], "the following arguments are required: --service"),
        (["--service", "portal", "--url", "http://x"], "--url and --token must be given together"),
    ],
)
def test_bad_input_exits_2_with_one_line(portal, capsys, argv, message):
    code, out, err = call(argv, capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err


def test_as_a_real_process_bad_arguments_exit_2():
    result = subprocess.run([sys.executable, "scripts/sla_calculator.py", "--period", "fortnight", "--service", "x"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1


@pytest.fixture
def viewer_token(users):
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=users["viewer"])[0].key


def test_over_the_api_json_and_report(live_server, transactional_db, viewer_token, capsys):
    service = ServiceFactory(slug="portal", name="Portal", sla_target=Decimal("99.9"))
    ImpactWindowFactory(service=service, source_ref="INC-1", started_at=t(2026, 11, 3, 10), ended_at=t(2026, 11, 3, 10, 20))
    MaintenanceWindowFactory(service=service, starts_at=t(2026, 11, 20, 1), ends_at=t(2026, 11, 20, 2), reason="Upgrade")
    remote = ["--url", live_server.url, "--token", viewer_token]
    code, out, _ = call(["--service", "portal", "--at", AT, "--json", *remote], capsys)
    assert code == 0
    code, local, _ = call(["--service", "portal", "--at", AT, "--json"], capsys)
    assert json.loads(out) == json.loads(local)
    code, out, _ = call(["--service", "portal", "--at", AT, *remote], capsys)
    assert code == 0 and "Remaining: 23.8 min (54% remaining)" in out and "Upgrade (60 min)" in out
    code, _, err = call(["--service", "ghost", *remote], capsys)
    assert code == 2 and "unknown service 'ghost'" in err
