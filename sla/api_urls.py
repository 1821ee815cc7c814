from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("services", api.ServiceViewSet, basename="service")
router.register("maintenance-windows", api.MaintenanceWindowViewSet, basename="maintenance-window")
urlpatterns = router.urls
