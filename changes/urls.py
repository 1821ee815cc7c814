from django.urls import path

from . import views

app_name = "changes"
urlpatterns = [
    path("", views.change_list, name="list"),
    path("<str:reference>/", views.change_detail, name="detail"),
]
