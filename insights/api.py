from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from .selectors.dora import dora_for_range
from .serializers import DoraQuerySerializer, DoraSerializer


class DoraView(APIView):
    """GET /api/v1/dora/: DORA metrics of a service, a team or everything over a date range."""

    @extend_schema(parameters=[DoraQuerySerializer], responses=DoraSerializer)
    def get(self, request):
        query = DoraQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        metrics = dora_for_range(
            scope=query.scope(), start=query.validated_data["start"], end=query.validated_data["end"]
        )
        return Response(metrics.as_dict())
