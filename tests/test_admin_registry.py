"""Every model of the portal is in Django's admin, for the people who run it."""

from django.apps import apps
from django.contrib import admin

OUR_APPS = {"delivery_portal", "sla", "incidents", "changes", "releases", "deployments", "insights", "accounts",
            "slack_integration"}


def test_every_model_is_registered_in_the_admin():
    missing = [
        model._meta.label
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS
        and not model.__name__.startswith("Historical")  # simple-history's shadow tables
        and not model._meta.auto_created
        and model not in admin.site._registry
    ]
    assert missing == []


def test_admin_changelists_open(client_for):
    client = client_for("admin")
    for model in admin.site._registry:
        if model._meta.app_label in OUR_APPS:
            url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            assert client.get(url).status_code == 200, url
