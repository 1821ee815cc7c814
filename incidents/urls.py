from django.urls import path

from .views import incident, lists, postmortem

app_name = "incidents"
urlpatterns = [
    path("", lists.incident_list, name="list"),
    path("export.csv", lists.incident_list_csv, name="list-csv"),
    path("new/", incident.incident_new, name="new"),
    path("action-items/", lists.action_item_list, name="action-items"),
    path("action-items/export.csv", lists.action_item_list_csv, name="action-items-csv"),
    path("action-items/<int:item_id>/status/", postmortem.action_item_status, name="action-item-status"),
    path("<str:reference>/", incident.incident_detail, name="detail"),
    path("<str:reference>/timeline/", incident.timeline_append, name="timeline-append"),
    path("<str:reference>/timeline/<int:entry_id>/edit/", incident.timeline_edit, name="timeline-edit"),
    path("<str:reference>/details/", incident.incident_details, name="details"),
    path("<str:reference>/severity/", incident.incident_severity, name="severity"),
    path("<str:reference>/commander/", incident.incident_commander, name="commander"),
    path("<str:reference>/transition/", incident.incident_transition, name="transition"),
    path("<str:reference>/times/", incident.incident_correct_times, name="times"),
    path("<str:reference>/postmortem/", postmortem.postmortem_edit, name="postmortem"),
    path("<str:reference>/postmortem/action-items/", postmortem.action_item_add, name="action-item-add"),
]
