"""Team management by delivery managers: pages /sla/teams/..., API /api/v1/teams/."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from delivery_portal.errors import ConcurrentEditError
from sla.domain import team_rules
from sla.services import teams
from sla.models import Team
from sla.tests.factories import ServiceFactory, TeamFactory


@pytest.fixture
def web(db):
    team = TeamFactory(slug="web", name="Web", email="web@example.com")
    ServiceFactory(slug="portal", name="Portal", team=team)
    ServiceFactory(slug="shop", name="Shop", team=team)
    return team


def _form(team, **changes):
    data = {"slug": team.slug, "name": team.name, "email": team.email, "webhook_url": team.webhook_url,
            "members": [u.pk for u in team.members.all()], "edit_version": team.edit_version}
    data.update(changes)
    return data


# --- Pages -------------------------------------------------------------------------------------
def test_team_list_shows_services_count_and_links_to_the_filtered_overview(client_for, web):
    TeamFactory(slug="data", name="Data")
    response = client_for("viewer").get("/sla/teams/")
    html = response.content.decode()
    assert response.status_code == 200
    row = html[html.index('data-team="web"'):html.index('data-team="web"') + 800]
    assert '<td data-testid="services-count">2</td>' in row
    assert 'href="/sla/?team=web"' in row and 'href="/sla/teams/web/"' in row
    assert 'data-team="data"' in html
    # Viewers read; the add form is for managers.
    assert 'data-testid="team-form"' not in html
    assert 'data-testid="team-form"' in client_for("manager").get("/sla/teams/").content.decode()


def test_overview_links_to_teams(client_for, web):
    html = client_for("viewer").get("/sla/").content.decode()
    assert 'href="/sla/teams/"' in html


def test_team_page_shows_services_members_and_history(client_for, users, web):
    web.members.add(users["oncall"])
    response = client_for("cab1").get("/sla/teams/web/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/sla/services/portal/"' in html and 'href="/sla/?team=web"' in html
    assert "oncall" in html and "History" in html
    assert 'data-testid="team-edit-form"' not in html


def test_manager_creates_a_team_with_members_and_history(client_for, users):
    response = client_for("manager").post("/sla/teams/add/", {
        "slug": "payments", "name": "Payments", "email": "pay@example.com", "webhook_url": "",
        "members": [users["oncall"].pk, users["cab1"].pk],
    })
    assert response.status_code == 302 and response["Location"] == "/sla/teams/payments/"
    team = Team.objects.get(slug="payments")
    assert set(team.members.values_list("username", flat=True)) == {"oncall", "cab1"}
    records = list(team.history.order_by("history_id"))
    assert records[0].history_type == "+" and records[0].history_user == users["manager"]
    html = client_for("viewer").get("/sla/teams/payments/").content.decode()
    assert "created" in html and "manager" in html


def test_a_slug_already_taken_is_a_clear_form_error(client_for, web):
    response = client_for("manager").post("/sla/teams/add/", {"slug": "web", "name": "Other web"})
    assert response.status_code == 400
    assert team_rules.team_slug_taken("web").replace('"', "&quot;") in response.content.decode()
    assert Team.objects.filter(slug="web").count() == 1


def test_reserved_and_invalid_slugs_are_form_errors(client_for, db):
    client = client_for("manager")
    response = client.post("/sla/teams/add/", {"slug": "add", "name": "Add"})
    assert response.status_code == 400 and "is reserved" in response.content.decode()
    response = client.post("/sla/teams/add/", {"slug": "not a slug", "name": "", "email": "nope"})
    assert response.status_code == 400
    assert not Team.objects.exists()


def test_manager_edits_a_team_slug_and_members_in_one_history_entry(client_for, users, web):
    before = web.history.count()
    response = client_for("manager").post("/sla/teams/web/edit/", _form(
        web, slug="web-platform", name="Web platform", members=[users["oncall"].pk]))
    assert response.status_code == 302 and response["Location"] == "/sla/teams/web-platform/"
    web.refresh_from_db()
    assert (web.slug, web.name, web.edit_version) == ("web-platform", "Web platform", 2)
    assert list(web.members.values_list("username", flat=True)) == ["oncall"]
    assert web.history.count() == before + 1
    latest = web.history.latest()
    assert latest.history_user == users["manager"] and "members" in latest.history_change_reason
    html = client_for("viewer").get("/sla/teams/web-platform/").content.decode()
    assert "Web platform" in html and "<code>name</code>" in html
    assert "<code>members</code>: — → oncall" in html  # by username, not through-table rows


def test_renaming_to_a_slug_already_taken_is_a_form_error(client_for, web):
    TeamFactory(slug="data", name="Data")
    response = client_for("manager").post("/sla/teams/web/edit/", _form(web, slug="data"))
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert Team.objects.filter(slug="web").exists()


def test_two_managers_editing_a_team_the_second_is_told(client_for, web):
    first, second = client_for("manager"), client_for("manager")
    opened = _form(web)  # both opened the page at version 1
    assert first.post("/sla/teams/web/edit/", {**opened, "name": "Web (first)"}).status_code == 302
    response = second.post("/sla/teams/web/edit/", {**opened, "name": "Web (second)"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this team since you opened it" in html
    assert 'value="Web (second)"' in html  # the second editor keeps what they typed
    web.refresh_from_db()
    assert web.name == "Web (first)" and web.edit_version == 2


def test_only_managers_write_teams(client_for, web):
    for username in ("cab1", "oncall", "viewer"):
        client = client_for(username)
        assert client.post("/sla/teams/add/", {"slug": "x", "name": "X"}).status_code == 403
        assert client.post("/sla/teams/web/edit/", _form(web, name="Hacked")).status_code == 403
    assert not Team.objects.filter(slug="x").exists()
    web.refresh_from_db()
    assert web.name == "Web"


def test_team_pages_are_read_only_views(client_for, web):
    client = client_for("oncall")
    assert client.post("/sla/teams/").status_code == 405
    assert client.post("/sla/teams/web/").status_code == 405
    assert client_for("manager").get("/sla/teams/web/edit/").status_code == 405


def test_team_service_refuses_non_managers_and_stale_versions(users, web):
    with pytest.raises(PermissionDenied):
        teams.team_update(team=web, by=users["oncall"], name="X")
    teams.team_update(team=web, by=users["manager"], expected_version=1, name="Web 2")
    with pytest.raises(ConcurrentEditError):
        teams.team_update(team=Team.objects.get(pk=web.pk), by=users["manager"], expected_version=1, name="Web 3")
    assert Team.objects.get(pk=web.pk).name == "Web 2"


# --- API ---------------------------------------------------------------------------------------
def test_api_lists_and_reads_teams_with_an_etag(api_for, web):
    api = api_for("viewer")
    listed = api.get("/api/v1/teams/")
    assert listed.status_code == 200
    row = next(r for r in listed.json()["results"] if r["slug"] == "web")
    assert row == {"slug": "web", "name": "Web", "email": "web@example.com", "webhook_url": "", "slack_webhook_url": "", "members": [],
                   "services_count": 2, "edit_version": 1}
    one = api.get("/api/v1/teams/web/")
    assert one.status_code == 200 and one["ETag"] == f'"sla.team-{web.pk}-v1"'
    assert api.get("/api/v1/teams/nope/").status_code == 404


def test_api_manager_creates_and_patches_a_team(api_for, users):
    api = api_for("manager")
    created = api.post("/api/v1/teams/", {"slug": "ops", "name": "Ops", "members": ["oncall"]}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["members"] == ["oncall"] and created.json()["services_count"] == 0
    etag = api.get("/api/v1/teams/ops/")["ETag"]
    patched = api.patch("/api/v1/teams/ops/", {"name": "Operations", "members": []}, format="json", HTTP_IF_MATCH=etag)
    assert patched.status_code == 200, patched.json()
    assert patched.json()["name"] == "Operations" and patched.json()["members"] == []
    assert patched["ETag"] != etag
    team = Team.objects.get(slug="ops")
    assert team.history.latest().history_user == users["manager"]


def test_api_bad_input_is_400_with_field_messages(api_for, web):
    api = api_for("manager")
    taken = api.post("/api/v1/teams/", {"slug": "web", "name": "Web again"}, format="json")
    assert taken.status_code == 400 and taken.json()["slug"] == [team_rules.team_slug_taken("web")]
    bad = api.post("/api/v1/teams/", {"slug": "no spaces", "email": "nope", "members": ["ghost"]}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()) >= {"slug", "name", "email", "members"}
    reserved = api.post("/api/v1/teams/", {"slug": "add", "name": "Add"}, format="json")
    assert reserved.status_code == 400 and "reserved" in reserved.json()["slug"][0]
    TeamFactory(slug="data", name="Data")
    rename = api.patch("/api/v1/teams/web/", {"slug": "data"}, format="json")
    assert rename.status_code == 400 and "already exists" in rename.json()["slug"][0]
    assert api.patch("/api/v1/teams/web/", ["not", "an", "object"], format="json").status_code == 400


def test_api_stale_versions_are_412_and_409(api_for, web):
    api = api_for("manager")
    etag = api.get("/api/v1/teams/web/")["ETag"]
    assert api.patch("/api/v1/teams/web/", {"name": "First"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    stale = api.patch("/api/v1/teams/web/", {"name": "Second"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["current_version"] == 2
    body = api.patch("/api/v1/teams/web/", {"name": "Second", "edit_version": 1}, format="json")
    assert body.status_code == 409 and body.json()["reasons"]
    web.refresh_from_db()
    assert web.name == "First"


def test_api_only_managers_write_and_nobody_deletes(api_for, web):
    for username in ("cab1", "oncall", "viewer"):
        api = api_for(username)
        assert api.post("/api/v1/teams/", {"slug": "x", "name": "X"}, format="json").status_code == 403
        assert api.patch("/api/v1/teams/web/", {"name": "X"}, format="json").status_code == 403
    assert api_for("manager").delete("/api/v1/teams/web/").status_code == 405
    assert Team.objects.filter(slug="web", name="Web").exists()


def test_team_list_queries_do_not_grow_with_teams(client_for, db, django_assert_max_num_queries):
    for n in range(30):
        ServiceFactory(slug=f"svc-{n}", team=TeamFactory(slug=f"team-{n}"))
    client = client_for("manager")
    with django_assert_max_num_queries(8):
        assert client.get(reverse("sla:team-list")).status_code == 200


def test_team_page_queries_do_not_grow_with_history(client_for, users, web, django_assert_max_num_queries):
    for n in range(15):
        teams.team_update(team=web, by=users["manager"], name=f"Web {n}",
                             members=[users["oncall"]] if n % 2 else [users["cab1"], users["cab2"]])
    client = client_for("viewer")
    with django_assert_max_num_queries(12):
        html = client.get("/sla/teams/web/").content.decode()
    assert "<code>members</code>: cab1, cab2 → oncall" in html
