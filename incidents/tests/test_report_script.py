import importlib.util
import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from incidents.services import lifecycle, postmortem, timeline

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
M = timedelta(minutes=1)


def load_script():
    spec = importlib.util.spec_from_file_location("incident_report", ROOT / "scripts" / "incident_report.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def finished(users, portal):
    inc = lifecycle.incident_open(
        title="Checkout <b>down</b>", severity="SEV-1", services=[portal], impact_started_at=T0 - 4 * M, detected_at=T0, by=users["oncall"], at=T0
    )
    lifecycle.incident_triage(incident=inc, by=users["oncall"], at=T0 + 20 * M)  # 15 min target: breached
    lifecycle.incident_respond(incident=inc, by=users["oncall"], at=T0 + 21 * M)
    timeline.timeline_append(incident=inc, kind="status_update", text="Rolling back <script>alert(1)</script> **now**", by=users["oncall"], at=T0 + 25 * M)
    lifecycle.incident_resolve(incident=inc, by=users["oncall"], at=T0 + 2 * 60 * M)  # 4 h target: met
    postmortem.postmortem_save(incident=inc, by=users["manager"], summary="Bad deploy", impact="All checkouts", root_cause="Config",
                             contributing_factors="No canary", went_well="Fast rollback", went_badly="Late triage")
    postmortem.action_item_add(incident=inc, title="Add canary", owner="oncall", due_date=date(2026, 3, 9), by=users["manager"])
    return inc


@pytest.mark.django_db
def test_markdown_report(finished, capsys):
    assert load_script().main(["--id", finished.reference]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"# {finished.reference}: Checkout <b>down</b>")
    assert "**Severity:** SEV-1" in out and "**Services:** portal" in out and "**Commander:** oncall" in out and "**State:** resolve" in out
    assert "Response: target 15m, due 2026-03-02 10:15:00 UTC — **breached**" in out
    assert "Resolution: target 4h, due 2026-03-02 14:00:00 UTC — **met**" in out
    assert "Time to detect: 4m" in out and "Time to acknowledge: 20m" in out and "Time to resolve: 2h" in out
    assert "Status update (oncall): Rolling back" in out
    assert "### Root cause\n\nConfig" in out
    assert "| Add canary | oncall | 2026-03-09 | open |" in out


@pytest.mark.django_db
def test_html_report_is_sanitised_and_written_to_a_file(finished, tmp_path, capsys):
    target = tmp_path / "report.html"
    assert load_script().main(["--id", finished.reference, "--format", "html", "--output", str(target)]) == 0
    assert capsys.readouterr().out == ""
    html = target.read_text()
    assert "<script>" not in html and "<b>down</b>" not in html and "Checkout &lt;b&gt;down&lt;/b&gt;" in html
    assert "<strong>now</strong>" in html and "breached" in html and "Add canary" in html


@pytest.mark.django_db
def test_json_report(finished, capsys):
    assert load_script().main(["--id", finished.reference, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["targets"]["response"]["status"] == "breached"
    assert data["targets"]["resolution"]["status"] == "met"
    assert data["durations"]["time_to_acknowledge"] == 20
    assert len(data["timeline"]) >= 5
    assert data["postmortem"]["action_items"][0]["owner"] == "oncall"


@pytest.mark.django_db
def test_unknown_incident_exits_2_with_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        load_script().main(["--id", "INC-2026-9999"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "unknown incident: INC-2026-9999" in err


def test_bad_arguments_exit_2():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "incident_report.py"), "--format", "pdf"], capture_output=True, text=True)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1


class InProcessSession:
    """Stands in for requests.Session: sends ApiClient's requests to Django's test client."""

    def __init__(self, api):
        self.api, self.headers = api, {}

    def request(self, method, url, params=None, timeout=None, **kwargs):
        assert method == "GET"
        return self.api.get(url.replace("http://portal.test", ""), data=params or {})


@pytest.mark.django_db
def test_report_over_the_api(finished, api_for, capsys, monkeypatch):
    script = load_script()
    import _common

    real_init = _common.ApiClient.__init__

    def init(self, url, token, timeout=30.0):
        real_init(self, url, token, timeout)
        assert self.session.headers["Authorization"] == "Token secret"
        self.session = InProcessSession(api_for("viewer"))

    monkeypatch.setattr(_common.ApiClient, "__init__", init)
    assert script.main(["--id", finished.reference, "--url", "http://portal.test", "--token", "secret", "--json"]) == 0
    remote = json.loads(capsys.readouterr().out)
    assert script.main(["--id", finished.reference, "--json"]) == 0
    local = json.loads(capsys.readouterr().out)
    assert remote == local
    with pytest.raises(SystemExit) as exc:
        script.main(["--id", "INC-2026-9999", "--url", "http://portal.test", "--token", "secret"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        script.main(["--id", finished.reference, "--url", "http://portal.test"])
    assert exc.value.code == 2
