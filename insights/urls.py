from django.urls import path

from . import views

app_name = "insights"
urlpatterns = [
    path("insights/", views.dora, name="dora"),
    path("insights/dora.csv", views.dora_csv, name="dora-csv"),
    path("insights/maturity/", views.maturity, name="maturity"),
    path("insights/maturity/assessments/<int:pk>/", views.maturity_result, name="maturity-result"),
    path("insights/maturity/<slug:slug>/assess/", views.maturity_assess, name="maturity-assess"),
    path("insights/maturity/<slug:slug>/history/", views.maturity_history, name="maturity-history"),
    path("insights/maturity/<slug:slug>/history.csv", views.maturity_history_csv, name="maturity-history-csv"),
    path("insights/releases/<str:version>/risk.json", views.release_risk_json, name="release-risk-json"),
    path("insights/releases/<str:version>/risk.csv", views.release_risk_csv, name="release-risk-csv"),
    # Dashboard panels: each refreshes itself from its own URL.
    *[
        path(f"dashboard/panels/{name}/", views.panel, {"name": name}, name=f"panel-{name}")
        for name in views.PANELS
    ],
]
