from django.urls import path

from . import views

app_name = "releases"
urlpatterns = [
    path("", views.release_list, name="list"),
    path("export.csv", views.release_list_csv, name="list-csv"),
    path("calendar/", views.release_calendar, name="calendar"),
    path("new/", views.release_create, name="create"),
    path("<str:version>/", views.release_detail, name="detail"),
    path("<str:version>/edit/", views.release_edit, name="edit"),
    path("<str:version>/scope/<str:kind>/add/", views.scope_add, name="scope_add"),
    path("<str:version>/scope/<str:kind>/<int:pk>/edit/", views.scope_edit, name="scope_edit"),
    path("<str:version>/scope/<str:kind>/<int:pk>/remove/", views.scope_remove, name="scope_remove"),
    path("<str:version>/comms/<str:kind>/", views.comms_toggle, name="comms_toggle"),
    path("<str:version>/comms/<str:kind>/owner/", views.comms_owner, name="comms_owner"),
    path("<str:version>/evidence/", views.evidence_record, name="evidence"),
    path("<str:version>/rollout/", views.rollout_edit, name="rollout"),
    path("<str:version>/notes/", views.release_notes, name="notes"),
    path("<str:version>/notes.md", views.release_notes_download, name="notes_download"),
]
