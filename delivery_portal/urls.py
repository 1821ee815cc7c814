from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views as accounts_views
from insights import views as insights_views

from . import views

urlpatterns = [
    path("accounts/login/", accounts_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("oidc/", include("accounts.oidc_urls")),
    path("integrations/slack/", include("slack_integration.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("delivery_portal.api.urls")),
    path("system/", views.system_status, name="system"),
    path("system/check-worker/", views.check_worker, name="system-check-worker"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_mark_read, name="inbox-mark-read"),
    path("healthz", views.healthz, name="healthz"),
    path("sla/", include("sla.urls")),
    path("incidents/", include("incidents.urls")),
    path("changes/", include("changes.urls")),
    path("releases/", include("releases.urls")),
    path("deployments/", include("deployments.urls")),
    path("", insights_views.dashboard, name="dashboard"),
    path("", include("insights.urls")),
]
