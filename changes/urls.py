from django.urls import path

from . import views

app_name = "changes"
urlpatterns = [
    path("", views.change_list, name="list"),
    path("export.csv", views.change_list_csv, name="list-csv"),
    path("new/", views.change_new, name="new"),
    path("validate/", views.change_validate, name="validate"),
    path("cab/", views.cab_agenda, name="agenda"),
    path("calendar/", views.change_calendar, name="calendar"),
    path("calendar.ics", views.change_feed, name="feed"),
    path("calendar/feed-token/", views.feed_token_reset, name="feed-reset"),
    path("templates/", views.template_list, name="templates"),
    path("<str:reference>/", views.change_detail, name="detail"),
    path("<str:reference>/edit/", views.change_edit, name="edit"),
    path("<str:reference>/decide/", views.change_decide, name="decide"),
    path("<str:reference>/comments/", views.change_comment, name="comment"),
    path("<str:reference>/do/<str:verb>/", views.change_action, name="action"),
]
