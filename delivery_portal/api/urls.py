"""/api/v1/: each app contributes its routes in <app>/api_urls.py."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("sla.api_urls")),
    path("", include("incidents.api_urls")),
    path("", include("changes.api_urls")),
    path("", include("releases.api_urls")),
    path("", include("deployments.api_urls")),
    path("", include("insights.api_urls")),
    path("", include("accounts.api_urls")),
]
