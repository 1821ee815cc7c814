from rest_framework import viewsets

from delivery_portal import roles

from .models import Service
from .serializers import ServiceSerializer


class ServiceViewSet(viewsets.ModelViewSet):
    queryset = Service.objects.select_related("team").order_by("slug")
    serializer_class = ServiceSerializer
    lookup_field = "slug"
    write_roles = (roles.DELIVERY_MANAGER,)
    http_method_names = ["get", "post", "patch", "head", "options"]
