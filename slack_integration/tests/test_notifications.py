"""Team notifications: each hook queues a Block Kit message for the teams concerned; Celery
tasks (run here through the outbox) post it to a real HTTP receiver, retried, never twice."""

from datetime import timedelta

import pytest
from django.utils import timezone

from changes.services.decisions import change_submit
from changes.tests.factories import ChangeRequestFactory
from delivery_portal import outbox
from delivery_portal.models import IntegrationHealth
from deployments.services.controls import deployment_rollback
from deployments.services.starting import deployment_request
from incidents.services.lifecycle import incident_open, incident_resolve, incident_respond, incident_triage
from incidents.services.reminders import remind_overdue_status_updates
from sla.services.freezes import freeze_impose, freeze_lift
from sla.tests.factories import ServiceFactory, TeamFactory
from slack_integration import delivery
from slack_integration.models import SlackDelivery
from slack_integration.tasks import deliver_message


def sent(receiver):
    return receiver.to("/services/")


def deliver_all():
    return outbox.run_pending("slack_integration.tasks.deliver_message")


def test_a_sev1_declared_and_resolved_reaches_the_teams_of_its_services(users, checkout, receiver, slack):
    quiet_team = TeamFactory(slug="quiet")  # no Slack webhook: nothing for it
    other = ServiceFactory(slug="search", name="Search", team=quiet_team)
    now = timezone.now()
    incident = incident_open(title="Checkout <down> & out", severity="SEV-1", services=[checkout, other],
                                               impact_started_at=now, by=users["oncall"], at=now)
    assert SlackDelivery.objects.get().event == "incident.opened"
    assert sent(receiver) == []  # nothing leaves before Celery runs it
    deliver_all()
    [message] = sent(receiver)
    assert message["text"] == f":rotating_light: {incident.reference} declared (SEV-1): Checkout <down> & out"
    assert message["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": f"SEV-1 declared: {incident.reference}", "emoji": True}}
    assert message["blocks"][1]["text"]["text"] == ":rotating_light: *Checkout &lt;down&gt; &amp; out*"
    assert {"type": "mrkdwn", "text": "*Services*\nCheckout, Search"} in message["blocks"][1]["fields"]
    assert message["blocks"][2]["elements"][0]["url"] == f"https://portal.example.com/incidents/{incident.reference}/"

    incident_triage(incident=incident, by=users["oncall"], at=now + timedelta(minutes=1))
    incident_respond(incident=incident, by=users["oncall"], at=now + timedelta(minutes=2))
    incident_resolve(incident=incident, by=users["oncall"], at=now + timedelta(minutes=3))
    deliver_all()
    assert [m["blocks"][0]["text"]["text"] for m in sent(receiver)] == [
        f"SEV-1 declared: {incident.reference}", f"SEV-1 resolved: {incident.reference}"]
    assert "Resolution target met" in sent(receiver)[-1]["blocks"][1]["text"]["text"]
    assert IntegrationHealth.objects.get(key="slack").last_success_at is not None


def test_sev3_incidents_stay_out_of_the_channel(users, checkout, receiver, slack):
    incident_open(title="Typo", severity="SEV-3", services=[checkout], impact_started_at=timezone.now(),
                                    by=users["oncall"])
    assert not SlackDelivery.objects.exists()


def test_an_overdue_status_update_is_announced_once(users, checkout, receiver, slack):
    start = timezone.now() - timedelta(minutes=50)
    incident = incident_open(title="Outage", severity="SEV-2", services=[checkout],
                                               impact_started_at=start, detected_at=start, by=users["oncall"], at=start)
    incident_triage(incident=incident, by=users["oncall"], at=start + timedelta(minutes=5))
    assert remind_overdue_status_updates() == 1
    assert remind_overdue_status_updates() == 0  # the same missed slot: the ledger says sent
    deliver_all()
    overdue = [m for m in sent(receiver) if "overdue" in m["text"]]
    assert len(overdue) == 1 and f"/incident update {incident.reference}" in overdue[0]["blocks"][1]["text"]["text"]


def test_a_freeze_imposed_and_lifted(users, checkout, receiver, slack):
    freeze_impose(service=checkout, by=users["manager"], reason="Budget spent on the PSP outage")
    freeze_lift(service=checkout, by=users["manager"], reason="Fix shipped")
    deliver_all()
    imposed, lifted = sent(receiver)
    assert imposed["blocks"][0]["text"]["text"] == "Deploy freeze imposed on Checkout"
    assert "*Reason:* Budget spent on the PSP outage\n*By:* manager" in imposed["blocks"][1]["text"]["text"]
    assert lifted["blocks"][0]["text"]["text"] == "Deploy freeze lifted on Checkout"
    assert "Fix shipped" in lifted["blocks"][1]["text"]["text"]


def test_a_change_waiting_for_the_cab_comes_with_buttons(users, checkout, receiver, slack):
    change = ChangeRequestFactory(requester=users["oncall"], services=[checkout])
    change_submit(change=change, user=users["oncall"])
    deliver_all()
    [message] = sent(receiver)
    assert message["blocks"][0]["text"]["text"] == f"Change waiting for approval: {change.reference}"
    assert "Needs 2 approvals from the CAB." in message["blocks"][1]["text"]["text"]
    approve, reject, open_ = message["blocks"][2]["elements"]
    assert (approve["action_id"], approve["value"], approve["style"]) == ("cab_approve", change.reference, "primary")
    assert (reject["action_id"], reject["value"], reject["style"]) == ("cab_reject", change.reference, "danger")
    assert open_["url"] == f"https://portal.example.com/changes/{change.reference}/"


def test_a_halted_deployment(users, checkout, receiver, slack):
    from deployments.tests.factories import EnvironmentConfigFactory

    EnvironmentConfigFactory()
    deployment = deployment_request(service=checkout, version="2.5.0", by=users["manager"])
    assert deployment.state == "running"
    deployment_rollback(deployment=deployment, by=users["manager"], reason="p99 over 800 ms")
    deliver_all()
    [message] = sent(receiver)
    assert message["blocks"][0]["text"]["text"] == "Deployment halted: Checkout 2.5.0"
    assert "*rolled back*" in message["blocks"][1]["text"]["text"] and "p99 over 800 ms" in message["blocks"][1]["text"]["text"]


def test_a_failed_post_is_retried_then_delivered_once(users, checkout, receiver, slack):
    from celery.exceptions import Retry

    receiver.statuses = [500]
    incident_open(title="Down", severity="SEV-1", services=[checkout], impact_started_at=timezone.now(),
                                    by=users["oncall"])
    row = SlackDelivery.objects.get()
    with pytest.raises(Retry):
        deliver_message.apply(kwargs={"delivery_id": row.pk}, throw=True)
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_status) == ("pending", 1, 500)
    assert IntegrationHealth.objects.get(key="slack").last_error.startswith("HTTP 500 from Slack")
    deliver_message.apply(kwargs={"delivery_id": row.pk}, throw=True)
    deliver_message.apply(kwargs={"delivery_id": row.pk}, throw=True)  # a duplicate of the task
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("delivered", 2)
    assert len(sent(receiver)) == 2  # the failed attempt and the one that worked: nothing more


def test_a_message_another_worker_holds_is_not_sent_again(users, checkout, receiver, slack):
    incident_open(title="Down", severity="SEV-1", services=[checkout], impact_started_at=timezone.now(),
                                    by=users["oncall"])
    row = SlackDelivery.objects.get()
    now = timezone.now()
    SlackDelivery.objects.filter(pk=row.pk).update(state="sending", claimed_until=now + timedelta(seconds=90))
    assert delivery.deliver(row.pk, now=now) == 91  # look again when the lease is over
    assert sent(receiver) == []
    # The holder died: once its lease is over the message goes out, once.
    assert delivery.deliver(row.pk, now=now + timedelta(seconds=91)) is None
    assert delivery.deliver(row.pk, now=now + timedelta(seconds=92)) is None
    assert len(sent(receiver)) == 1 and SlackDelivery.objects.get().state == "delivered"


def test_slack_refusing_the_hook_is_not_retried(users, checkout, receiver, slack):
    receiver.statuses = [404]
    incident_open(title="Down", severity="SEV-1", services=[checkout], impact_started_at=timezone.now(),
                                    by=users["oncall"])
    deliver_all()
    row = SlackDelivery.objects.get()
    assert (row.state, row.attempts, row.last_status) == ("failed", 1, 404)
    assert "no_service" in row.last_error


def test_an_internal_address_is_refused_when_sent(users, checkout, receiver, slack, settings):
    incident_open(title="Down", severity="SEV-1", services=[checkout], impact_started_at=timezone.now(),
                                    by=users["oncall"])
    settings.OUTBOUND_ALLOWED_HOSTS = []  # 127.0.0.1 is no longer allowed at send time
    deliver_all()
    row = SlackDelivery.objects.get()
    assert row.state == "failed" and "internal address" in row.last_error and sent(receiver) == []


def test_the_settings_page_test_message_goes_to_the_testers_team(users, team, receiver, slack):
    from delivery_portal import integrations

    slack_integration = integrations.get("slack")
    assert slack_integration.configured()
    with pytest.raises(ValueError, match="None of your teams"):
        slack_integration.send_test(users["manager"])
    team.members.add(users["manager"])
    assert slack_integration.send_test(users["manager"]) == "A test message went to the Slack channel of Payments."
    assert "Test message from the Delivery Portal" in sent(receiver)[0]["text"]
