"""A standard change is pre-approved only as its template defines it: the template's plans,
and services among the template's (the rotate-certs audit: "DROP DATABASE payments" on
another service was approved on submit)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from changes.services.decisions import change_submit
from changes.services.drafts import change_create, change_update
from changes.domain.standard import template_deviations
from changes.models import ChangeRequest
from changes.tests.factories import StandardChangeTemplateFactory
from delivery_portal.errors import ProcessError
from sla.tests.factories import ServiceFactory

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PLANS = {
    "implementation_plan": "Upload the new certificate, switch the listener, verify.",
    "rollback_plan": "Switch the listener back to the old certificate.",
    "testing_plan": "curl -v every endpoint and check the expiry date.",
}


# --- domain (no database) --------------------------------------------------------------
def deviations(values=None, services_sent=None, template_services=("edge",)):
    return template_deviations(
        template_name="rotate-certs", template_values=PLANS, template_services=template_services,
        values=values or {}, services=services_sent,
    )


def test_the_templates_own_plans_are_no_deviation():
    assert deviations() == {}
    assert deviations({"implementation_plan": "", "rollback_plan": None}) == {}  # left out: the template's
    same = {name: "  " + text.replace(" ", " ") + "\r\n" for name, text in PLANS.items()}
    assert deviations(same) == {}  # a form's line endings and spaces around


def test_a_different_plan_is_named():
    problems = deviations({"implementation_plan": "DROP DATABASE payments", "testing_plan": PLANS["testing_plan"]})
    assert list(problems) == ["implementation_plan"]
    assert "implementation plan is the template's" in problems["implementation_plan"][0]
    assert "'rotate-certs'" in problems["implementation_plan"][0]
    problems = deviations({"rollback_plan": "none", "testing_plan": "skip it"})
    assert sorted(problems) == ["rollback_plan", "testing_plan"]


def test_services_must_be_among_the_templates():
    assert deviations(services_sent=["edge"]) == {}
    assert deviations(services_sent=None) == {}  # not sent: the template's are used
    problems = deviations(services_sent=["edge", "payments"])
    assert list(problems) == ["services"] and "not for payments" in problems["services"][0]
    # A template that names no services limits none.
    assert deviations(services_sent=["payments"], template_services=()) == {}


# --- services ---------------------------------------------------------------------------
@pytest.fixture
def edge(db):
    return ServiceFactory(slug="edge")


@pytest.fixture
def payments(db):
    return ServiceFactory(slug="payments")


@pytest.fixture
def template(edge):
    return StandardChangeTemplateFactory(slug="rotate-certs", services=[edge], **PLANS)


def window(**over):
    start = T0 + timedelta(hours=1)
    return {"window_start": start, "window_end": start + timedelta(hours=1), **over}


def test_create_refuses_other_plans_and_services(users, template, payments):
    with pytest.raises(ValidationError) as exc:
        change_create(user=users["oncall"], template=template, implementation_plan="DROP DATABASE payments",
                               at=T0, **window())
    assert list(exc.value.message_dict) == ["implementation_plan"]
    with pytest.raises(ValidationError) as exc:
        change_create(user=users["oncall"], template=template, services=[payments], at=T0, **window())
    assert list(exc.value.message_dict) == ["services"]
    assert not ChangeRequest.objects.exists()


def test_create_from_template_keeps_its_plans_and_may_retitle(users, template, edge):
    change = change_create(user=users["oncall"], template=template, title="Rotate edge certs (March)",
                                    implementation_plan=PLANS["implementation_plan"], at=T0, **window())
    assert change.title == "Rotate edge certs (March)"
    assert {name: getattr(change, name) for name in PLANS} == PLANS
    assert list(change.services.all()) == [edge]
    change_submit(change=change, user=users["oncall"], at=T0)
    assert ChangeRequest.objects.get(pk=change.pk).state == "approved"


def test_editing_a_standard_draft_keeps_plans_and_services(users, template, edge, payments):
    change = change_create(user=users["oncall"], template=template, at=T0, **window())
    with pytest.raises(ValidationError) as exc:
        change_update(change=change, user=users["oncall"], rollback_plan="There is no way back.")
    assert list(exc.value.message_dict) == ["rollback_plan"]
    with pytest.raises(ValidationError) as exc:
        change_update(change=change, user=users["oncall"], services=[edge, payments])
    assert list(exc.value.message_dict) == ["services"]
    change.refresh_from_db()
    assert change.rollback_plan == PLANS["rollback_plan"] and list(change.services.all()) == [edge]
    # Title, description, justification and the window stay editable.
    later = window(window_start=T0 + timedelta(days=1), window_end=T0 + timedelta(days=1, hours=1))
    change_update(change=change, user=users["oncall"], title="Rotate now", description="Expiring Friday.",
                           justification="Expiry.", testing_plan=PLANS["testing_plan"], **later)
    change.refresh_from_db()
    assert (change.title, change.description, change.window_start) == ("Rotate now", "Expiring Friday.", later["window_start"])
    # Re-typed as a normal change it leaves the template, and its plans are the requester's.
    change_update(change=change, user=users["oncall"], change_type="normal", implementation_plan="By hand.")
    change.refresh_from_db()
    assert change.template is None and change.implementation_plan == "By hand."


def test_a_draft_that_departs_from_its_template_is_not_pre_approved(users, template, payments):
    change = change_create(user=users["oncall"], template=template, at=T0, **window())
    ChangeRequest.objects.filter(pk=change.pk).update(implementation_plan="DROP DATABASE payments")  # e.g. an old draft
    change.services.add(payments)
    with pytest.raises(ProcessError) as exc:
        change_submit(change=change, user=users["oncall"], at=T0)
    reasons = " ".join(exc.value.reasons)
    assert "implementation plan is the template's" in reasons and "not for payments" in reasons
    assert ChangeRequest.objects.get(pk=change.pk).state == "draft"


# --- API ----------------------------------------------------------------------------------
def api_body(**over):
    start = timezone.now() + timedelta(hours=2)
    data = {"title": "Rotate certificates", "change_type": "standard", "template": "rotate-certs",
            "window_start": start.isoformat(), "window_end": (start + timedelta(hours=1)).isoformat()}
    data.update(over)
    return data


def test_api_refuses_a_standard_change_unlike_its_template(api_for, template, payments):
    r = api_for("oncall").post("/api/v1/changes/", api_body(
        implementation_plan="DROP DATABASE payments", impact={"services": ["payments"]}), format="json")
    assert r.status_code == 400, r.json()
    body = r.json()
    assert "implementation plan is the template's" in body["implementation_plan"][0]
    assert "not for payments" in body["impact"]["services"][0]
    assert not ChangeRequest.objects.exists()


def test_api_standard_change_with_the_templates_content_is_pre_approved(api_for, template):
    r = api_for("oncall").post("/api/v1/changes/", api_body(rollback_plan=PLANS["rollback_plan"]), format="json")
    assert r.status_code == 201, r.json()
    data = r.json()
    assert data["implementation_plan"] == PLANS["implementation_plan"] and data["impact"]["services"] == ["edge"]
    r = api_for("oncall").post(f"/api/v1/changes/{data['reference']}/submit/")
    assert r.status_code == 200 and r.json()["state"] == "approved"


# --- pages --------------------------------------------------------------------------------
def page_data(*services_, **over):
    start = (timezone.now() + timedelta(hours=2)).replace(second=0, microsecond=0)
    data = {"title": "Rotate certificates", "change_type": "standard", "template": "rotate-certs", "description": "d",
            "justification": "j", "impact_systems": "lb", "impact_users": "none", "impact_downtime_minutes": "0",
            "services": [s.pk for s in services_], "window_start": start.strftime("%Y-%m-%dT%H:%M"),
            "window_end": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), "intent": "submit"}
    data.update(over)
    return data


def test_form_shows_the_templates_plans_read_only(client_for, template, edge, payments):
    html = client_for("oncall").get("/changes/new/?template=rotate-certs").content.decode()
    row = html.split('id="row-implementation_plan"')[1].split("</div>")[0]
    assert "disabled" in row and PLANS["implementation_plan"] in row
    services_row = html.split('id="row-services"')[1].split("</div>")[0]
    assert "Edge" in services_row and "Payments" not in services_row


def test_form_refuses_other_plans_and_services(client_for, template, edge, payments):
    client = client_for("oncall")
    r = client.post("/changes/new/", page_data(edge, implementation_plan="DROP DATABASE payments"))
    assert r.status_code == 400
    html = r.content.decode()
    assert "implementation plan is the template&#x27;s" in html and not ChangeRequest.objects.exists()
    r = client.post("/changes/new/", page_data(edge, payments))
    assert r.status_code == 400 and "pre-approved for edge only" in r.content.decode()
    assert not ChangeRequest.objects.exists()
    r = client.post("/changes/new/", page_data(edge))
    change = ChangeRequest.objects.get()
    assert r.status_code == 302 and change.state == "approved" and change.implementation_plan == PLANS["implementation_plan"]


def test_edit_form_of_a_standard_draft(client_for, users, template, edge):
    change = change_create(user=users["oncall"], template=template, at=T0, **window())
    client = client_for("oncall")
    url = f"/changes/{change.reference}/edit/"
    html = client.get(url).content.decode()
    assert "disabled" in html.split('id="row-testing_plan"')[1].split("</div>")[0]
    data = page_data(edge, intent="save", edit_version=change.edit_version, testing_plan="Trust me.")
    r = client.post(url, data)
    assert r.status_code == 400 and "testing plan is the template&#x27;s" in r.content.decode()
    del data["testing_plan"]
    r = client.post(url, {**data, "title": "Rotate edge certificates"})
    change.refresh_from_db()
    assert r.status_code == 302 and change.title == "Rotate edge certificates"
    assert change.testing_plan == PLANS["testing_plan"]
