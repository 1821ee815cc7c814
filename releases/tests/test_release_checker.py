"""scripts/release_checker.py: the report, --json, exit statuses, and agreement with the API."""

import importlib.util
import io
import json
from datetime import date
import subprocess
import sys
from pathlib import Path

import pytest

from releases import services

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "release_checker.py"

SAMPLE_REPORT = """\
Release Readiness: v2.5.0
Type: Minor Release (new features)  Target Date: January 25, 2024
Exit Criteria:
[PASS] All P1/P2 bugs resolved (0 open)
[PASS] Performance benchmarks met (P99: 320ms < 500ms target)
[PASS] Security scan passed (0 critical, 0 high)
[PASS] Load testing complete (sustained 2x peak traffic)
[PASS] UAT sign-off received (Jan 23)
[WARN] Documentation: 2 pages pending review
[PASS] Runbook reviewed and updated
Recommendation: CONDITIONAL GO
- Complete documentation review before T-0
- Deployment strategy: Blue-green (recommended for this release size)
- Rollback plan: Instant switch to blue environment
- Monitoring period: 24 hours post-deploy
"""


@pytest.fixture(scope="module")
def checker():
    spec = importlib.util.spec_from_file_location("release_checker", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(checker, *argv):
    out = io.StringIO()
    status = checker.main(list(argv), out=out)
    return status, out.getvalue()


def test_report_matches_the_issue_sample(checker, sample_release):
    status, text = run(checker, "--version", "v2.5.0")
    assert (status, text) == (3, SAMPLE_REPORT)


def test_json_agrees_with_the_readiness_api(checker, sample_release, api_for):
    status, text = run(checker, "--version", "v2.5.0", "--json")
    assert status == 3
    assert json.loads(text) == api_for("viewer").get("/api/v1/releases/v2.5.0/readiness/").json()


def test_exit_status_follows_the_verdict(checker, sample_release, users):
    services.evidence_record(release=sample_release, criterion="documentation", payload={"pending_pages": 0})
    status, text = run(checker, "--version", "v2.5.0")
    assert status == 0 and "Recommendation: GO\n- Deployment strategy" in text
    services.evidence_record(release=sample_release, criterion="load_test", payload={"peak_multiple": 1.5})
    status, text = run(checker, "--version", "v2.5.0")
    assert status == 1
    assert "[FAIL] Load testing incomplete (sustained 1.5x peak traffic, 2x needed)" in text
    assert "- Risk assessment: Medium (1 exit criterion failing: load testing)" in text
    assert "- Recommended delay: 3 business days (new target date January 30, 2024)" in text


def test_unknown_release_and_bad_version_exit_2(checker, db, capsys):
    assert run(checker, "--version", "v9.9.9")[0] == 2
    assert capsys.readouterr().err == "release_checker: unknown release v9.9.9\n"
    assert run(checker, "--version", "nine")[0] == 2
    assert run(checker, "--version", "v1.0.0", "--url", "http://x")[0] == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 2 and "--url and --token go together" in err


def test_bad_arguments_exit_2_with_one_line():
    result = subprocess.run([sys.executable, str(SCRIPT), "--bogus"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("release_checker: ")


def test_over_the_api_gives_the_same_report_and_json(checker, live_server, transactional_db, users, api_for):
    from rest_framework.authtoken.models import Token

    from releases.tests.conftest import EARLY, GOOD_EVIDENCE
    from sla.tests.factories import ServiceFactory

    service = ServiceFactory(slug="portal", name="Portal")
    services.release_create(version="v2.4.0", target_date=date(2024, 1, 4), services=[service])
    release = services.release_create(version="v2.5.0", target_date=date(2024, 1, 25),
                                      services=[service], by=users["manager"])
    for criterion, payload in GOOD_EVIDENCE.items():
        services.evidence_record(release=release, criterion=criterion, payload=payload, at=EARLY)
    token = Token.objects.create(user=users["viewer"]).key
    status, text = run(checker, "--version", "v2.5.0", "--url", live_server.url, "--token", token)
    assert (status, text) == (3, SAMPLE_REPORT)
    status, text = run(checker, "--version", "v2.5.0", "--json", "--url", live_server.url, "--token", token)
    assert json.loads(text) == api_for("viewer").get("/api/v1/releases/v2.5.0/readiness/").json()
    assert run(checker, "--version", "v7.0.0", "--url", live_server.url, "--token", token)[0] == 2
    assert run(checker, "--version", "v2.5.0", "--url", live_server.url, "--token", "wrong")[0] == 2
