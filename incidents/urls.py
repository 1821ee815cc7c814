from django.urls import path

from . import views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("export.csv", views.incident_list_csv, name="list-csv"),
    path("new/", views.incident_new, name="new"),
    path("action-items/", views.action_item_list, name="action-items"),
    path("action-items/export.csv", views.action_item_list_csv, name="action-items-csv"),
    path("action-items/<int:item_id>/status/", views.action_item_status, name="action-item-status"),
    path("<str:reference>/", views.incident_detail, name="detail"),
    path("<str:reference>/timeline/", views.timeline_append, name="timeline-append"),
    path("<str:reference>/timeline/<int:entry_id>/edit/", views.timeline_edit, name="timeline-edit"),
    path("<str:reference>/details/", views.incident_details, name="details"),
    path("<str:reference>/severity/", views.incident_severity, name="severity"),
    path("<str:reference>/commander/", views.incident_commander, name="commander"),
    path("<str:reference>/transition/", views.incident_transition, name="transition"),
    path("<str:reference>/times/", views.incident_correct_times, name="times"),
    path("<str:reference>/postmortem/", views.postmortem_edit, name="postmortem"),
    path("<str:reference>/postmortem/action-items/", views.action_item_add, name="action-item-add"),
]
