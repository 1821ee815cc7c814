from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("changes", api.ChangeViewSet, basename="change")
urlpatterns = router.urls
