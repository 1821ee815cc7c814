from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("services", api.ServiceViewSet, basename="service")
router.register("maintenance-windows", api.MaintenanceWindowViewSet, basename="maintenance-window")
router.register("teams", api.TeamViewSet, basename="team")
urlpatterns = router.urls
