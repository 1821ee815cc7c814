"""Pages: the guide, the list, the start form with refusals, the detail page and its controls."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse

from deployments.charts import gate_figure
from deployments.models import Deployment
from deployments.services import engine, starting, traffic
from deployments.tests.factories import DeploymentFactory
from sla.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


def test_strategy_guide_recommends_with_reasons_without_js(client_for):
    client = client_for("viewer")
    page = client.get(reverse("deployments:guide")).content.decode()
    assert "Do you need instant rollback?" in page and "Need instant rollback, have 2x infrastructure" in page
    page = client.get(reverse("deployments:guide"), {"asked": "1", "instant_rollback": "on", "double_infrastructure": "on"}).content.decode()
    assert "Recommended: Blue-green" in page
    assert "Do you need instant rollback: yes." in page
    page = client.get(reverse("deployments:guide"), {"asked": "1", "cost_constrained": "on", "mixed_versions_ok": "on"}).content.decode()
    assert "Recommended: Rolling" in page and "?strategy=rolling" in page


def test_list_shows_active_first_in_bounded_queries(client_for, fast_canary, users, django_assert_max_num_queries):
    for n in range(5):
        starting.deployment_record(service=fast_canary, version=f"1.{n}", status="succeeded", by=users["manager"])
    running = starting.deployment_request(service=fast_canary, version="2.0", by=users["manager"])
    for _n in range(5):
        DeploymentFactory(service=ServiceFactory(), state="failed")
    client = client_for("viewer")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("deployments:list"))
    rows = response.content.decode().split('data-testid="deployment-row"')
    assert f'href="/deployments/{running.pk}/"' in rows[1]
    assert "<progress" in response.content.decode()
    assert client.get(reverse("deployments:list"), {"state": "failed"}).context["page_obj"].paginator.count == 5


def test_start_form_starts_and_shows_refusal_reasons(client_for, service):
    client = client_for("manager")
    assert "Only delivery managers" in client_for("cab1").get(reverse("deployments:start")).content.decode()
    response = client.post(reverse("deployments:start"), {"service": service.slug, "environment": "production",
                                                           "version": "3.1.0", "strategy": "canary"})
    deployment = Deployment.objects.get(version="3.1.0")
    assert response.status_code == 302 and response["Location"] == f"/deployments/{deployment.pk}/"
    service.freeze_active = True
    service.save()
    response = client.post(reverse("deployments:start"), {"service": service.slug, "environment": "production",
                                                           "version": "3.2.0", "strategy": "big_bang"})
    page = response.content.decode()
    assert response.status_code == 409  # refused by a process rule, as the API answers
    assert "Refused by the gates" in page and "frozen" in page and "maintenance window" in page
    assert Deployment.objects.get(version="3.2.0").state == "refused"


def test_detail_page_live_partial_and_controls(client_for, fast_canary, users):
    deployment = starting.deployment_request(service=fast_canary, version="2.0", by=users["manager"])
    client = client_for("manager")
    page = client.get(reverse("deployments:detail", args=[deployment.pk])).content.decode()
    assert 'hx-trigger="every 3s"' in page and "<progress" in page and "style=" not in page
    assert "Traffic moved to 5%" in page
    client.post(reverse("deployments:confirm-shift", args=[deployment.pk]))
    engine.metrics_push(deployment=deployment, error_rate=0.002, p99_ms=210, healthy=True)
    partial = client.get(reverse("deployments:detail", args=[deployment.pk]), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="live")
    html = partial.content.decode()
    assert "<html" not in html and 'id="live"' in html
    whole = client.get(reverse("deployments:detail", args=[deployment.pk]), HTTP_HX_REQUEST="true")
    assert "<html" in whole.content.decode()  # htmx aiming at no region of the page (hx-boost): the page
    assert 'data-testid="traffic">5%' in html and "210" in html
    response = client.post(reverse("deployments:pause", args=[deployment.pk]), HTTP_HX_REQUEST="true")
    assert "Paused" in response.content.decode() and 'id="live"' in response.content.decode()
    client.post(reverse("deployments:resume", args=[deployment.pk]))
    response = client.post(reverse("deployments:promote", args=[deployment.pk]), {"reason": ""}, follow=True)
    assert "needs a reason" in response.content.decode()
    client.post(reverse("deployments:promote", args=[deployment.pk]), {"reason": "Looks great"})
    deployment.refresh_from_db()
    assert deployment.current_stage == 1
    response = client.post(reverse("deployments:rollback", args=[deployment.pk]), follow=True)
    assert "rolled back" in response.content.decode()
    deployment.refresh_from_db()
    assert deployment.state == "rolled_back"
    final = client.get(reverse("deployments:detail", args=[deployment.pk])).content.decode()
    assert "hx-trigger" not in final  # polling stops once the rollout is over


def test_viewer_sees_no_controls(client_for, fast_canary, users):
    deployment = starting.deployment_request(service=fast_canary, version="2.0", by=users["manager"])
    page = client_for("viewer").get(reverse("deployments:detail", args=[deployment.pk])).content.decode()
    assert 'data-testid="controls"' not in page and "Traffic moved to" not in page


def test_gate_figure_data(fast_canary, users):
    deployment = starting.deployment_request(service=fast_canary, version="2.0", by=users["manager"])
    traffic.traffic_shift_confirm(deployment=deployment, by=users["manager"])
    engine.metrics_push(deployment=deployment, error_rate=0.002, p99_ms=210, healthy=True)
    engine.metrics_push(deployment=deployment, error_rate=0.03, p99_ms=250, healthy=True)
    figure = gate_figure(list(deployment.evaluations.order_by("at", "pk")), p99_threshold_ms=400)
    error, error_gate, p99, p99_gate = figure["data"]
    assert error["y"] == [0.2, 3.0] and error["marker"]["color"][1] == "#b42318"
    assert error_gate["y"] == [1.0, 1.0]
    assert p99["y"] == [210, 250] and p99["yaxis"] == "y2"
    assert p99_gate["y"] == [400, 400]
    json.dumps(figure)
    single = gate_figure(list(deployment.evaluations.all())[:1], p99_threshold_ms=400, start=deployment.started_at,
                         end=deployment.started_at + timedelta(minutes=5))
    assert single["data"][1]["x"][0] == deployment.started_at.isoformat()
    assert single["data"][1]["x"][1] == (deployment.started_at + timedelta(minutes=5)).isoformat()


def test_start_page_shows_the_strategy_guide_and_the_recommendation_for_the_service(client_for, service):
    """The issue: "Strategy guide, shown when choosing and used for recommendations"."""
    from releases.models import Dependency
    from releases.tests.factories import ReleaseFactory

    client = client_for("manager")
    page = client.get(reverse("deployments:start")).content.decode()
    guide = page[page.index('data-testid="strategy-guide-table"'):]
    for text in ("Strategy", "When to use", "Rollback speed", "Risk", "Blue-green", "Need instant rollback, have 2x infrastructure",
                 "Instant (switch traffic)", "Low-Medium", "Small app, low traffic, maintenance window OK", "Slow (full redeploy)"):
        assert text in guide, text
    assert page.index('name="strategy"') < page.index('data-testid="strategy-guide-table"') < page.index('name="change"')
    assert 'data-testid="strategy-recommendation"' not in page  # no service chosen yet
    assert "<script>" not in page and "style=" not in page

    page = client.get(reverse("deployments:start"), {"service": service.slug}).content.decode()
    recommendation = page[page.index('data-testid="strategy-recommendation"'):page.index('data-testid="strategy-guide-table"')]
    assert "Recommended for" in recommendation and "Canary" in recommendation and "standard-tier" in recommendation
    assert f'<option value="{service.slug}" selected>' in page  # the form is filled in with the service

    critical = ServiceFactory(slug="ledger", name="Ledger", tier="critical")
    partial = client.get(reverse("deployments:start"), {"service": "ledger"}, headers={"HX-Request": "true", "HX-Target": "strategy-guide"}).content.decode()
    assert partial.lstrip().startswith('<div id="strategy-guide"') and "<html" not in partial
    assert "Blue-green" in partial and "Ledger is a critical service" in partial

    release = ReleaseFactory(version="v9.9.1", release_type="patch")  # a patch alone would be canary
    Dependency.objects.create(release=release, kind="db_migration", description="New column")
    page = client.get(reverse("deployments:start"), {"service": service.slug, "release": "v9.9.1"}).content.decode()
    assert "in release v9.9.1" in page and "Database migrations" in page and "<strong>Blue-green</strong>" in page
    # The release in another spelling is the same release, as the start form itself reads it.
    page = client.get(reverse("deployments:start"), {"service": service.slug, "release": "9.9.1"}).content.decode()
    assert "in release v9.9.1" in page and "<strong>Blue-green</strong>" in page

    # Without JavaScript: the button shows the recommendation for the chosen service, keeps the values, starts nothing.
    response = client.post(reverse("deployments:start"), {"service": critical.slug, "environment": "production",
                                                           "version": "5.0.0", "strategy": "rolling", "recommend": "1"})
    page = response.content.decode()
    assert response.status_code == 200 and not Deployment.objects.exists()
    assert "Ledger is a critical service" in page and 'value="5.0.0"' in page and '<option value="rolling" selected>' in page
    assert 'hx-get="/deployments/new/"' in page and 'hx-target="#strategy-guide"' in page
    viewer = client_for("viewer").get(reverse("deployments:start"), {"service": "ledger"}).content.decode()
    assert "Only delivery managers" in viewer and "Ledger is a critical service" in viewer
