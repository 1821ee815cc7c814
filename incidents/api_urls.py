from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("incidents", api.IncidentViewSet, basename="incident")
urlpatterns = [
    path("alerts/alertmanager/", api.AlertmanagerWebhook.as_view(), name="alertmanager-webhook"),
    *router.urls,
]
