from django.urls import path

from . import views

app_name = "slack"

urlpatterns = [
    path("commands/", views.command, name="commands"),
    path("interactions/", views.interaction, name="interactions"),
]
