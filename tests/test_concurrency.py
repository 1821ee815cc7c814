"""Optimistic concurrency (delivery_portal.concurrency) on the release edit: page and API.

Two people edit the same release: the second is told, never silently overwritten.
"""

import threading
from datetime import date

import pytest
from django.db import close_old_connections, connection, transaction

from delivery_portal import concurrency
from delivery_portal.errors import ConcurrentEditError
from releases import services
from releases.models import Release
from sla.tests.factories import ServiceFactory


@pytest.fixture
def release(users):
    return services.release_create(version="v3.0.0", target_date=date(2030, 3, 14), services=[ServiceFactory()],
                                   by=users["manager"])


def test_claim_bumps_and_refuses_a_stale_version(release):
    assert release.edit_version == 1
    assert concurrency.claim(release, 1) == 2
    with pytest.raises(ConcurrentEditError) as info:
        concurrency.claim(Release.objects.get(pk=release.pk), 1, noun="release")
    assert "Someone else changed this release" in info.value.detail
    assert info.value.current_version == 2
    # No expectation (a caller that does not ask for the check): still bumped, so others are told.
    assert concurrency.claim(release) == 3


def test_edit_page_second_editor_is_told(release, users, make_user, client_for):
    make_user("manager2", "delivery_manager")
    from django.test import Client

    first, second = client_for("manager"), Client()
    second.force_login(users["manager"].__class__.objects.get(username="manager2"))
    url = f"/releases/{release.version}/edit/"
    # Both open the form: it carries version 1.
    for client in (first, second):
        page = client.get(url)
        assert page.status_code == 200
        assert 'name="edit_version" value="1"' in page.content.decode()
    response = first.post(url, {"target_date": "2030-03-21", "edit_version": "1"})
    assert response.status_code == 302
    response = second.post(url, {"target_date": "2030-04-01", "edit_version": "1"})
    assert response.status_code == 409  # formposts: a concurrent edit is a conflict
    assert "Someone else changed this release since you opened it" in response.content.decode()
    release.refresh_from_db()
    assert release.target_date == date(2030, 3, 21)  # the first edit stands
    assert release.edit_version == 2


def test_rollout_page_second_editor_is_told(release, client_for):
    client = client_for("manager")
    url = f"/releases/{release.version}/rollout/"
    assert 'name="edit_version" value="1"' in client.get(url).content.decode()
    form = {"strategy": "canary", "rollback_plan": "Flip back", "monitoring_hours": "24", "edit_version": "1"}
    assert client.post(url, form).status_code == 302
    response = client.post(url, {**form, "rollback_plan": "Mine"})
    assert response.status_code == 409
    assert "Someone else changed this release" in response.content.decode()
    assert Release.objects.get(pk=release.pk).rollout_plan.rollback_plan == "Flip back"


def test_api_etag_and_if_match(release, api_for):
    api = api_for("manager")
    url = f"/api/v1/releases/{release.version}/"
    got = api.get(url)
    etag = got["ETag"]
    assert etag == f'"releases.release-{release.pk}-v1"'
    assert got.json()["edit_version"] == 1
    ok = api.patch(url, {"target_date": "2030-03-21"}, HTTP_IF_MATCH=etag)
    assert ok.status_code == 200, ok.json()
    assert ok["ETag"] == f'"releases.release-{release.pk}-v2"'
    stale = api.patch(url, {"target_date": "2030-04-01"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    body = stale.json()
    assert "Someone else changed this release" in body["detail"] and body["current_version"] == 2 and body["reasons"]
    assert Release.objects.get(pk=release.pk).target_date == date(2030, 3, 21)
    # An ETag of another object, or garbage: 412 as well.
    assert api.patch(url, {"target_date": "2030-04-01"}, HTTP_IF_MATCH='"releases.release-999-v2"').status_code == 412
    assert api.patch(url, {"target_date": "2030-04-01"}, HTTP_IF_MATCH="nonsense").status_code == 412


def test_api_body_version(release, api_for):
    api = api_for("manager")
    url = f"/api/v1/releases/{release.version}/"
    assert api.patch(url, {"target_date": "2030-03-21", "edit_version": 1}).status_code == 200
    stale = api.patch(url, {"target_date": "2030-04-01", "edit_version": 1})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert api.patch(url, {"target_date": "2030-04-01", "edit_version": "x"}).status_code == 400
    # Without a version the client asks for no check (last write wins), but the version moves.
    assert api.patch(url, {"target_date": "2030-04-02"}).json()["edit_version"] == 3


@pytest.mark.postgres
def test_two_concurrent_claims_one_wins(requires_postgres, transactional_db):
    """Real concurrency on PostgreSQL: two transactions claim the same version at once."""
    release = Release.objects.create(version="v7.0.0", target_date=date(2030, 1, 1))
    barrier = threading.Barrier(2)
    outcomes = []

    def editor(new_date):
        close_old_connections()
        try:
            with transaction.atomic():
                obj = Release.objects.get(pk=release.pk)
                barrier.wait(timeout=10)
                concurrency.claim(obj, 1)
                obj.target_date = new_date
                obj.save()
            outcomes.append("saved")
        except ConcurrentEditError:
            outcomes.append("told")
        finally:
            connection.close()

    threads = [threading.Thread(target=editor, args=(d,)) for d in (date(2030, 2, 1), date(2030, 2, 2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["saved", "told"]
    assert Release.objects.get(pk=release.pk).edit_version == 2
