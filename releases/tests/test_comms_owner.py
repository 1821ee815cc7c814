"""A checklist item's owner is changed on the release page (delivery managers; htmx in
place, a plain POST without JavaScript), only to an active user, in the item's history."""

from datetime import UTC, datetime

import pytest

from releases import services
from releases.models import CommsItem

HX = {"HTTP_HX_REQUEST": "true"}
URL = "/releases/v2.5.0/comms/t_minus_1/owner/"


def item(release, kind="t_minus_1"):
    return CommsItem.objects.get(release=release, kind=kind)


def test_manager_hands_an_item_to_another_owner_in_place(client_for, sample_release, users):
    client = client_for("manager")
    assert item(sample_release).owner == users["manager"]
    response = client.post(URL, {"owner": "cab2"}, **HX)
    html = response.content.decode()
    assert response.status_code == 200 and 'id="comms"' in html and "<html" not in html
    assert "releaseChanged" in response["HX-Trigger"]
    assert '<option value="cab2" selected>cab2</option>' in html
    assert item(sample_release).owner == users["cab2"]
    assert item(sample_release, "t_0").owner == users["manager"]  # only that item
    # The audit trail: who changed it, from whom to whom.
    record = item(sample_release).history.first()
    assert record.history_user == users["manager"]
    assert record.history_change_reason == "owner changed from manager to cab2"
    assert record.owner_id == users["cab2"].pk


def test_without_javascript_a_plain_post_comes_back_to_the_release_page(client_for, sample_release, users):
    response = client_for("manager").post(URL, {"owner": "oncall"})
    assert response.status_code == 302 and response["Location"] == "/releases/v2.5.0/"
    assert item(sample_release).owner == users["oncall"]
    page = client_for("manager").get("/releases/v2.5.0/").content.decode()
    assert 'action="/releases/v2.5.0/comms/t_minus_1/owner/"' in page
    assert '<option value="oncall" selected>oncall</option>' in page


@pytest.mark.parametrize("owner,message", [("", "Choose the new owner."),
                                           ("nobody-by-that-name", "The owner must be an active user."),
                                           ("retired", "The owner must be an active user.")])
def test_the_owner_must_be_an_active_user(client_for, sample_release, users, django_user_model, owner, message):
    django_user_model.objects.create_user("retired", password="pw", is_active=False)
    client = client_for("manager")
    response = client.post(URL, {"owner": owner})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    response = client.post(URL, {"owner": owner}, **HX)
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert item(sample_release).owner == users["manager"]


def test_service_refuses_an_inactive_owner(sample_release, users, django_user_model):
    from django.core.exceptions import ValidationError

    retired = django_user_model.objects.create_user("retired", password="pw", is_active=False)
    with pytest.raises(ValidationError) as exc:
        services.comms_item_set_owner(item=item(sample_release), owner=retired, by=users["manager"])
    assert exc.value.message_dict == {"owner": ["The owner must be an active user."]}


def test_the_new_owner_of_an_overdue_item_is_reminded_too(sample_release, users):
    from delivery_portal.models import Notification

    at = datetime(2024, 1, 24, 12, 0, tzinfo=UTC)  # v2.5.0's T-7 (16 January) is overdue
    overdue = item(sample_release, "t_minus_7")
    services.comms_remind_overdue(at=at)
    assert item(sample_release, "t_minus_7").reminded_at == at
    services.comms_item_set_owner(item=overdue, owner=users["cab1"], by=users["manager"])
    assert item(sample_release, "t_minus_7").reminded_at is None
    services.comms_remind_overdue(at=at)
    note = Notification.objects.get(event="release.comms_overdue", recipient=users["cab1"])
    assert note.subject.startswith("v2.5.0: T-7")


def test_only_delivery_managers_change_owners(client_for, sample_release, users):
    for who in ("cab1", "oncall", "viewer"):
        assert client_for(who).post(URL, {"owner": who}).status_code == 403
    assert item(sample_release).owner == users["manager"]
    page = client_for("viewer").get("/releases/v2.5.0/").content.decode()
    assert "Change owner" not in page and "/comms/t_minus_1/owner/" not in page
