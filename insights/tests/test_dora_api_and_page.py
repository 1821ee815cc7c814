"""GET /api/v1/dora/ and the DORA page: same parameters, same numbers."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from deployments.tests.factories import DeploymentFactory
from incidents.tests.factories import IncidentFactory
from insights.tests.factories import DeploymentCommitFactory
from sla.tests.factories import ServiceFactory, TeamFactory

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CONTRACT_KEYS = {"deployment_frequency_per_day", "lead_time_hours_median", "change_failure_rate", "mttr_hours", "levels"}


@pytest.fixture
def data():
    team = TeamFactory(slug="payments")
    api = ServiceFactory(slug="api", team=team)
    for state in ("succeeded", "succeeded", "succeeded", "failed"):
        d = DeploymentFactory(service=api, state=state, finished_at=T0)
        DeploymentCommitFactory(deployment=d, authored_at=T0 - timedelta(hours=2))
    for h in (1, 2, 3):
        IncidentFactory(services=[api], impact_started_at=T0 - timedelta(hours=h), detected_at=T0 - timedelta(hours=h),
                        impact_ended_at=T0, resolved_at=T0, state="resolve")
    return {"team": team, "api": api}


def test_contract_shape_and_values(api_for, data):
    response = api_for("viewer").get("/api/v1/dora/", {"service": "api", "environment": "production",
                                                       "start": "2026-03-01", "end": "2026-03-04"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert CONTRACT_KEYS <= set(body)
    assert set(body["levels"]) == {"deployment_frequency", "lead_time", "change_failure_rate", "mttr"}
    assert body["deployment_frequency_per_day"] == 0.75
    assert body["change_failure_rate"] == 0.25
    assert body["lead_time_hours_median"] == 2.0
    assert body["mttr_hours"] == 2.0 and body["mttr_hours_median"] == 2.0
    assert body["levels"] == {"deployment_frequency": "high", "lead_time": "high", "change_failure_rate": "low",
                              "mttr": "high"}
    assert body["counts"]["deployments"] == 4 and body["days"] == 4


def test_team_filter_and_end_is_inclusive(api_for, data):
    client = api_for("viewer")
    assert client.get("/api/v1/dora/", {"team": "payments", "start": "2026-03-02", "end": "2026-03-02"}).json()[
        "deployment_frequency_per_day"] == 3.0
    assert client.get("/api/v1/dora/", {"team": "payments", "start": "2026-03-01", "end": "2026-03-01"}).json()[
        "deployment_frequency_per_day"] == 0.0


def test_defaults_are_the_last_30_days(api_for, data):
    body = api_for("viewer").get("/api/v1/dora/").json()
    today = timezone.localdate()
    assert body["end"] == today.isoformat()
    assert body["start"] == (today - timedelta(days=29)).isoformat()
    assert body["days"] == 30


@pytest.mark.parametrize(("params", "field"), [
    ({"start": "2026-13-01"}, "start"),
    ({"end": "yesterday"}, "end"),
    ({"start": "2026-03-05", "end": "2026-03-01"}, "end"),
    ({"service": "nope"}, "service"),
    ({"team": "nope"}, "team"),
    ({"start": "2000-01-01", "end": "2026-01-01"}, "start"),
])
def test_bad_input_is_400_with_field_messages(api_for, data, params, field):
    response = api_for("viewer").get("/api/v1/dora/", params)
    assert response.status_code == 400
    assert field in response.json() and isinstance(response.json()[field], list)


def test_anonymous_gets_401(client):
    assert client.get("/api/v1/dora/").status_code == 401


def test_page_and_endpoint_agree(client_for, api_for, data):
    params = {"team": "payments", "start": "2026-02-20", "end": "2026-03-04"}
    api = api_for("viewer").get("/api/v1/dora/", params).json()
    response = client_for("viewer").get("/insights/", params)
    assert response.status_code == 200
    page = response.context["api"]
    for key in CONTRACT_KEYS | {"mttr_hours_median", "counts", "start", "end"}:
        assert page[key] == api[key], key
    html = response.content.decode()
    assert f'data-testid="change_failure_rate" data-value="{api["change_failure_rate"]}"' in html
    assert f'data-testid="mttr_hours" data-value="{api["mttr_hours"]}"' in html
    assert f'data-testid="deployment_frequency_per_day" data-value="{api["deployment_frequency_per_day"]}"' in html


def test_page_trend_charts_have_weekly_values_and_level_bands(client_for, data):
    response = client_for("viewer").get("/insights/", {"service": "api", "end": "2026-03-04"})
    figures = response.context["figures"]
    assert set(figures) == {"deployment_frequency", "lead_time", "change_failure_rate", "mttr"}
    cfr = figures["change_failure_rate"]
    assert len(cfr["data"][0]["x"]) == 13
    assert cfr["data"][0]["x"][-1] == "2026-03-02"
    assert cfr["data"][0]["y"][-1] == 0.25
    assert [b["level"] for b in cfr["bands"]] == ["elite", "high", "medium", "low"]
    assert len(cfr["layout"]["shapes"]) == 4
    html = response.content.decode()
    assert 'data-figure="dora-mttr"' in html and 'id="dora-mttr"' in html


def test_htmx_gets_only_the_results(client_for, data):
    response = client_for("viewer").get("/insights/", {"service": "api"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="dora-results">')
    assert "<html" not in html


def test_page_shows_bad_filters(client_for, data):
    response = client_for("viewer").get("/insights/", {"start": "2026-03-05", "end": "2026-03-01"})
    assert response.status_code == 400
    assert "The end date must be on or after the start date." in response.content.decode()


def test_dora_csv_export_with_filters(client_for, data):
    response = client_for("viewer").get("/insights/dora.csv", {"service": "api", "start": "2026-03-01", "end": "2026-03-04"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["period_start"] == "2026-03-01" and rows[0]["change_failure_rate"] == "0.25"
    assert len(rows) == 1 + 13
    assert client_for("viewer").get("/insights/dora.csv", {"service": "nope"}).status_code == 400


def test_dora_page_query_count_is_bounded(client_for, data, django_assert_max_num_queries):
    for n in range(30):
        ServiceFactory(slug=f"extra-{n}", team=data["team"])
    client = client_for("viewer")
    with django_assert_max_num_queries(16):
        client.get("/insights/", {"team": "payments"})


def test_api_schema_mentions_dora(client_for):
    response = client_for("viewer").get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    assert "/api/v1/dora/" in json.dumps(response.json()) if response["Content-Type"].startswith("application/json") \
        else "/api/v1/dora/" in response.content.decode()




def test_a_metric_without_data_is_low_with_a_null_value_and_named_in_no_data(api_for, client_for, data):
    """The contract: each level is one of elite, high, medium, low, even without data."""
    params = {"service": "api", "start": "2026-01-01", "end": "2026-01-31"}  # nothing happened in January
    body = api_for("viewer").get("/api/v1/dora/", params).json()
    assert body["levels"] == {"deployment_frequency": "low", "lead_time": "low", "change_failure_rate": "low", "mttr": "low"}
    assert (body["lead_time_hours_median"], body["change_failure_rate"], body["mttr_hours"]) == (None, None, None)
    assert body["deployment_frequency_per_day"] == 0.0
    assert body["no_data"] == ["lead_time", "change_failure_rate", "mttr"]
    assert api_for("viewer").get("/api/v1/dora/", {"service": "api", "start": "2026-03-01", "end": "2026-03-04"}).json()[
        "no_data"] == []
    html = client_for("viewer").get("/insights/", params).content.decode()
    assert '<span class="badge muted" data-testid="level-mttr">no data</span>' in html
    assert 'data-testid="level-deployment_frequency">low</span>' in html
    rows = list(csv.DictReader(io.StringIO(b"".join(
        client_for("viewer").get("/insights/dora.csv", params).streaming_content).decode())))
    assert rows[0]["level_mttr"] == "low" and rows[0]["mttr_hours"] == ""
    assert rows[0]["no_data"] == "lead_time change_failure_rate mttr"
    figures = client_for("viewer").get("/insights/", params).context["figures"]
    assert figures["mttr"]["data"][0]["text"][-1] == "no data"


def test_dashboard_tile_shows_no_data_rather_than_a_level(client_for, db):
    html = client_for("viewer").get("/dashboard/panels/dora/").content.decode()
    assert 'badge muted">no data</span>' in html and "None" not in html
