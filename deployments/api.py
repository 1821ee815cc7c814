"""POST /api/v1/deployments/ (gated start, or a record for DORA), GET …/{id}/, and the
controls: …/metrics/, …/promote/, …/rollback/, …/pause/, …/resume/.

Roles: starting, recording and controlling need `delivery_manager` (a pipeline's service
account is put in that group); metrics may also come from `on_call` accounts (monitoring).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from delivery_portal import roles

from . import selectors
from .filtersets import DeploymentFilterSet
from .services import controls, engine, starting, traffic
from .serializers import (
    DeploymentCreateSerializer,
    DeploymentDetailSerializer,
    DeploymentSerializer,
    MetricsSerializer,
    PlanSerializer,
    PromoteSerializer,
    ReasonSerializer,
)

MANAGERS = (roles.DELIVERY_MANAGER,)


class DeploymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DeploymentSerializer
    filterset_class = DeploymentFilterSet  # ?service=&environment=&state=, as the page and its export
    write_roles = MANAGERS
    action_roles = {"metrics": (roles.DELIVERY_MANAGER, roles.ON_CALL)}

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.deployments_with_detail()
        return selectors.deployment_list()

    def get_serializer_class(self):
        return DeploymentDetailSerializer if self.action == "retrieve" else DeploymentSerializer

    def _detail(self, deployment, code=status.HTTP_200_OK):
        deployment = selectors.deployments_with_detail().get(pk=deployment.pk)
        return Response(DeploymentDetailSerializer(deployment).data, status=code)

    @extend_schema(request=DeploymentCreateSerializer, responses={201: DeploymentDetailSerializer})
    def create(self, request):
        serializer = DeploymentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        status_value = data.pop("status", None)
        common = {k: data.get(k) for k in ("service", "environment", "version", "strategy", "commits", "change",
                                        "release", "critical", "reason")}
        if status_value:
            deployment = starting.deployment_record(
                **common, status=status_value, started_at=data.get("started_at"), finished_at=data.get("finished_at"),
                by=request.user,
            )
            return self._detail(deployment, status.HTTP_201_CREATED)
        deployment = starting.deployment_request(**common, by=request.user)
        if deployment.state == "refused":
            return Response(
                {
                    "detail": "The deployment was refused by its gates: " + " ".join(deployment.refusal_reasons),
                    "reasons": deployment.refusal_reasons,
                    "id": deployment.pk,
                },
                status=status.HTTP_409_CONFLICT,
            )
        return self._detail(deployment, status.HTTP_201_CREATED)

    @extend_schema(request=DeploymentCreateSerializer, responses=PlanSerializer)
    @action(detail=False, methods=["post"])
    def plan(self, request):
        """Dry run: the stages, the environment's router and metrics, and what the start
        gates would decide now. Starts nothing (used by scripts/deploy.py --dry-run)."""
        serializer = DeploymentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(selectors.plan_preview(**{k: serializer.validated_data.get(k) for k in (
            "service", "environment", "version", "strategy", "change", "release", "critical", "reason")}))

    @extend_schema(request=MetricsSerializer, responses=DeploymentDetailSerializer)
    @action(detail=True, methods=["post"])
    def metrics(self, request, pk=None):
        deployment = self.get_object()
        serializer = MetricsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        engine.metrics_push(deployment=deployment, by=request.user, **serializer.validated_data)
        return self._detail(deployment)

    @extend_schema(request=PromoteSerializer, responses=DeploymentDetailSerializer)
    @action(detail=True, methods=["post"])
    def promote(self, request, pk=None):
        deployment = self.get_object()
        serializer = PromoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        controls.deployment_promote(deployment=deployment, by=request.user, reason=serializer.validated_data["reason"])
        return self._detail(deployment)

    def _control(self, request, service):
        deployment = self.get_object()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service(deployment=deployment, by=request.user, reason=serializer.validated_data["reason"])
        return self._detail(deployment)

    @extend_schema(request=ReasonSerializer, responses=DeploymentDetailSerializer)
    @action(detail=True, methods=["post"])
    def rollback(self, request, pk=None):
        return self._control(request, controls.deployment_rollback)

    @extend_schema(request=ReasonSerializer, responses=DeploymentDetailSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        return self._control(request, controls.deployment_pause)

    @extend_schema(request=ReasonSerializer, responses=DeploymentDetailSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self._control(request, controls.deployment_resume)

    @extend_schema(request=ReasonSerializer, responses=DeploymentDetailSerializer)
    @action(detail=True, methods=["post"], url_path="confirm-shift")
    def confirm_shift(self, request, pk=None):
        """Manual router: confirm that the pending traffic shift has been made."""
        deployment = self.get_object()
        traffic.traffic_shift_confirm(deployment=deployment, by=request.user)
        return self._detail(deployment)
