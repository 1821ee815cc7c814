from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from delivery_portal import concurrency, roles

from . import selectors, services
from .models import MaintenanceWindow, Service
from .serializers import (
    BudgetQuerySerializer,
    BudgetSerializer,
    FreezeActionSerializer,
    FreezeSerializer,
    MaintenanceWindowSerializer,
    ServiceSerializer,
    TeamSerializer,
)


class ServiceViewSet(viewsets.ModelViewSet):
    """Services: POST/GET/PATCH by slug; their error budget; deploy freezes by hand."""

    queryset = Service.objects.select_related("team").order_by("slug")
    serializer_class = ServiceSerializer
    lookup_field = "slug"
    write_roles = (roles.DELIVERY_MANAGER,)
    http_method_names = ["get", "post", "patch", "head", "options"]

    def retrieve(self, request, *args, **kwargs):
        service = self.get_object()
        return concurrency.set_etag(Response(self.get_serializer(service).data), service)

    def update(self, request, *args, **kwargs):
        """PATCH. Optimistic concurrency: send `If-Match` with the ETag of your GET (412 when
        someone else changed the service since) or `"edit_version"` in the body (409)."""
        response = super().update(request, *args, **kwargs)
        service = Service.objects.get(pk=self.get_object().pk)
        return concurrency.set_etag(response, service)

    def perform_update(self, serializer):
        expected = concurrency.expected_from_request(self.request, serializer.instance)
        with transaction.atomic():
            concurrency.claim(serializer.instance, expected, noun="service")
            service = serializer.save()
        if "sla_target" in serializer.validated_data:
            # A new target changes the budget now; the freeze state follows at once.
            services.budget_recompute(service_ids=[service.pk])

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
        freeze = services.freeze_impose(service=service, by=request.user, reason=body.validated_data["reason"])
        return Response(FreezeSerializer(freeze).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FreezeActionSerializer, responses=FreezeSerializer)
    @action(detail=True, methods=["post"], url_path="lift-freeze")
    def lift_freeze(self, request, slug=None):
        """Lift the open deploy freeze by hand (delivery managers), with a reason."""
        service = self.get_object()
        body = FreezeActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        freeze = services.freeze_lift(service=service, by=request.user, reason=body.validated_data["reason"])
        return Response(FreezeSerializer(freeze).data)

    @extend_schema(responses=FreezeSerializer(many=True))
    @action(detail=True, methods=["get"])
    def freezes(self, request, slug=None):
        service = self.get_object()
        page = self.paginate_queryset(service.freezes.select_related("service", "started_by", "ended_by").order_by("-started_at"))
        return self.get_paginated_response(FreezeSerializer(page, many=True).data)


class MaintenanceWindowViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Scheduled maintenance: `POST {"service", "starts_at", "ends_at", "reason"}`; `?service=slug` filters;
    `DELETE /{id}/?reason=...` removes a window entered by mistake (the reason is required)."""

    serializer_class = MaintenanceWindowSerializer
    write_roles = (roles.DELIVERY_MANAGER,)

    def get_queryset(self):
        qs = MaintenanceWindow.objects.select_related("service", "created_by").order_by("-starts_at")
        slug = self.request.query_params.get("service")
        if slug:
            qs = qs.filter(service__slug=slug)
        return qs

    @extend_schema(parameters=[OpenApiParameter("reason", str, required=True, description="why the window is removed (kept in its history)")])
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance):
        services.maintenance_window_remove(window=instance, reason=self.request.query_params.get("reason", ""), by=self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.maintenance_window_add(
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
        team = services.team_create(by=request.user, **serializer.validated_data)
        team = self._fresh(team)
        response = Response(self.get_serializer(team).data, status=status.HTTP_201_CREATED)
        return concurrency.set_etag(response, team)

    def update(self, request, *args, **kwargs):
        team = self.get_object()
        serializer = self.get_serializer(team, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        expected = concurrency.expected_from_request(request, team)
        team = services.team_update(team=team, by=request.user, expected_version=expected, **serializer.validated_data)
        team = self._fresh(team)
        return concurrency.set_etag(Response(self.get_serializer(team).data), team)
