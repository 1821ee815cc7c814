from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from delivery_portal import concurrency, roles

from . import selectors
from .filtersets import MaintenanceWindowFilterSet
from .serializers import (
    BudgetQuerySerializer,
    BudgetSerializer,
    FreezeActionSerializer,
    FreezeSerializer,
    MaintenanceWindowSerializer,
    ServiceSerializer,
    TeamSerializer,
)
from .services import catalogue, teams
from .services.freezes import freeze_impose, freeze_lift


class ServiceViewSet(viewsets.ModelViewSet):
    """Services: POST/GET/PATCH by slug; their error budget; deploy freezes by hand."""

    serializer_class = ServiceSerializer
    lookup_field = "slug"
    write_roles = (roles.DELIVERY_MANAGER,)
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.service_list()

    def retrieve(self, request, *args, **kwargs):
        service = self.get_object()
        return concurrency.set_etag(Response(self.get_serializer(service).data), service)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service = catalogue.service_create(by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(service).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        """PATCH. Optimistic concurrency: send `If-Match` with the ETag of your GET (412 when
        someone else changed the service since) or `"edit_version"` in the body (409). A new
        `sla_target` changes the budget at once: the freeze state in the answer follows it."""
        service = self.get_object()
        serializer = self.get_serializer(service, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        expected = concurrency.expected_from_request(request, service)
        service = catalogue.service_update(service=service, by=request.user, expected_version=expected,
                                           recompute_now=True, **serializer.validated_data)
        service = selectors.service_or_404(service.slug)  # the recompute may have frozen it
        return concurrency.set_etag(Response(self.get_serializer(service).data), service)

    @extend_schema(
        parameters=[
            OpenApiParameter("period", str, enum=["month", "quarter", "year"], description="default month"),
            OpenApiParameter("at", str, description="ISO 8601 timestamp; default now. Nothing after it counts."),
        ],
        responses=BudgetSerializer,
    )
    @action(detail=True, methods=["get"])
    def budget(self, request, slug=None):
        service = self.get_object()
        query = BudgetQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = selectors.service_budget(service, period=query.validated_data["period"], at=query.validated_data.get("at"))
        return Response(result.as_dict())

    @extend_schema(request=FreezeActionSerializer, responses=FreezeSerializer)
    @action(detail=True, methods=["post"])
    def freeze(self, request, slug=None):
        """Impose a deploy freeze by hand (delivery managers), with a reason."""
        service = self.get_object()
        body = FreezeActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        freeze = freeze_impose(service=service, by=request.user, reason=body.validated_data["reason"])
        return Response(FreezeSerializer(freeze).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FreezeActionSerializer, responses=FreezeSerializer)
    @action(detail=True, methods=["post"], url_path="lift-freeze")
    def lift_freeze(self, request, slug=None):
        """Lift the open deploy freeze by hand (delivery managers), with a reason."""
        service = self.get_object()
        body = FreezeActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        freeze = freeze_lift(service=service, by=request.user, reason=body.validated_data["reason"])
        return Response(FreezeSerializer(freeze).data)

    @extend_schema(responses=FreezeSerializer(many=True))
    @action(detail=True, methods=["get"])
    def freezes(self, request, slug=None):
        service = self.get_object()
        page = self.paginate_queryset(selectors.freeze_history(service))
        return self.get_paginated_response(FreezeSerializer(page, many=True).data)


class MaintenanceWindowViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Scheduled maintenance: `POST {"service", "starts_at", "ends_at", "reason"}`; `?service=slug` filters;
    `DELETE /{id}/?reason=...` removes a window entered by mistake (the reason is required)."""

    serializer_class = MaintenanceWindowSerializer
    filterset_class = MaintenanceWindowFilterSet
    write_roles = (roles.DELIVERY_MANAGER,)

    def get_queryset(self):
        return selectors.maintenance_windows()

    @extend_schema(parameters=[OpenApiParameter("reason", str, required=True, description="why the window is removed (kept in its history)")])
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance):
        catalogue.maintenance_window_remove(window=instance, reason=self.request.query_params.get("reason", ""), by=self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = catalogue.maintenance_window_add(
            service=data["service"], starts_at=data["starts_at"], ends_at=data["ends_at"], reason=data["reason"], by=self.request.user
        )



class TeamViewSet(viewsets.ModelViewSet):
    """Teams: POST/GET/PATCH by slug (delivery managers write; everyone reads). No DELETE:
    services belong to teams. PATCH: send `If-Match` with the ETag of your GET (412 when
    someone else changed the team since) or `"edit_version"` in the body (409)."""

    serializer_class = TeamSerializer
    lookup_field = "slug"
    write_roles = (roles.DELIVERY_MANAGER,)
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.teams_with_counts().prefetch_related("members")

    def _fresh(self, team):
        return self.get_queryset().get(pk=team.pk)

    def retrieve(self, request, *args, **kwargs):
        team = self.get_object()
        return concurrency.set_etag(Response(self.get_serializer(team).data), team)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        team = teams.team_create(by=request.user, **serializer.validated_data)
        team = self._fresh(team)
        response = Response(self.get_serializer(team).data, status=status.HTTP_201_CREATED)
        return concurrency.set_etag(response, team)

    def update(self, request, *args, **kwargs):
        team = self.get_object()
        serializer = self.get_serializer(team, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        expected = concurrency.expected_from_request(request, team)
        team = teams.team_update(team=team, by=request.user, expected_version=expected, **serializer.validated_data)
        team = self._fresh(team)
        return concurrency.set_etag(Response(self.get_serializer(team).data), team)
