from django.urls import path

from . import views

app_name = "deployments"
urlpatterns = [
    path("", views.deployment_list, name="list"),
    path("export.csv", views.deployment_list_csv, name="list-csv"),
    path("guide/", views.strategy_guide, name="guide"),
    path("new/", views.deployment_start, name="start"),
    path("<int:pk>/", views.deployment_detail, name="detail"),
    path("<int:pk>/pause/", views.deployment_pause, name="pause"),
    path("<int:pk>/resume/", views.deployment_resume, name="resume"),
    path("<int:pk>/promote/", views.deployment_promote, name="promote"),
    path("<int:pk>/rollback/", views.deployment_rollback, name="rollback"),
    path("<int:pk>/confirm-shift/", views.confirm_shift, name="confirm-shift"),
]
