from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("releases", api.ReleaseViewSet, basename="release")
urlpatterns = router.urls
