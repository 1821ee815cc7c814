from django.urls import path

from . import views

app_name = "sla"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("services/<slug:slug>/", views.service_detail, name="service"),
]
