from django.urls import path

from .views import agenda, calendar, catalogue, detail, editing, lists

app_name = "changes"
urlpatterns = [
    path("", lists.change_list, name="list"),
    path("export.csv", lists.change_list_csv, name="list-csv"),
    path("new/", editing.change_new, name="new"),
    path("validate/", editing.change_validate, name="validate"),
    path("cab/", agenda.cab_agenda, name="agenda"),
    path("calendar/", calendar.change_calendar, name="calendar"),
    path("calendar.ics", calendar.change_feed, name="feed"),
    path("calendar/feed-token/", calendar.feed_token_reset, name="feed-reset"),
    path("templates/", catalogue.template_list, name="templates"),
    path("<str:reference>/", detail.change_detail, name="detail"),
    path("<str:reference>/edit/", editing.change_edit, name="edit"),
    path("<str:reference>/decide/", agenda.change_decide, name="decide"),
    path("<str:reference>/comments/", detail.change_comment, name="comment"),
    path("<str:reference>/do/<str:verb>/", detail.change_action, name="action"),
]
