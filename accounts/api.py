"""GET/PATCH /api/v1/me/: who the caller is, their roles, and their Slack link."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from delivery_portal import roles

from . import services
from .serializers import MeInputSerializer, MeSerializer


class MeView(APIView):
    write_roles = roles.ALL_ROLES  # everyone may change their own e-mail and Slack link

    def _user(self, request):
        services.profile_for(request.user)
        return get_user_model().objects.select_related("profile").get(pk=request.user.pk)

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(self._user(request)).data)

    @extend_schema(request=MeInputSerializer, responses=MeSerializer)
    def patch(self, request):
        serializer = MeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.profile_update(user=request.user, by=request.user, **serializer.validated_data)
        return Response(MeSerializer(self._user(request)).data)
