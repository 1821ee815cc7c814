from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import DoraView

router = SimpleRouter()
urlpatterns = [
    path("dora/", DoraView.as_view(), name="dora"),
    *router.urls,
]
