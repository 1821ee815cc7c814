from decimal import Decimal

from delivery_portal.audit import history_entries
from sla.tests.factories import ServiceFactory


def test_history_says_who_changed_what(client_for, users):
    client = client_for("manager")
    service = ServiceFactory(slug="portal", sla_target=Decimal("99.9"))
    # A change through the API is attributed to its user.
    response = client.patch("/api/v1/services/portal/", {"sla_target": "99.95"}, content_type="application/json")
    assert response.status_code == 200
    entries = history_entries(service)
    assert entries[0].user == "manager" and entries[0].action == "changed"
    assert ("sla_target", "99.9000", "99.9500") in entries[0].changes
    page = client.get("/sla/services/portal/").content.decode()
    assert "History" in page and "sla_target" in page and "99.9500" in page
