from django.urls import path

from . import views

app_name = "sla"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("export.csv", views.overview_csv, name="overview-csv"),
    path("add/", views.service_create, name="service-create"),
    path("services/<slug:slug>/", views.service_detail, name="service"),
    path("services/<slug:slug>/edit/", views.service_edit, name="service-edit"),
    path("services/<slug:slug>/maintenance/", views.maintenance_add, name="maintenance-add"),
    path("services/<slug:slug>/maintenance/<int:pk>/remove/", views.maintenance_remove, name="maintenance-remove"),
    path("services/<slug:slug>/freeze/", views.freeze_impose, name="freeze-impose"),
    path("services/<slug:slug>/freeze/lift/", views.freeze_lift, name="freeze-lift"),
    path("teams/", views.team_list, name="team-list"),
    path("teams/add/", views.team_create, name="team-create"),
    path("teams/<slug:slug>/", views.team_detail, name="team"),
    path("teams/<slug:slug>/edit/", views.team_edit, name="team-edit"),
]
