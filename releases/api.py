from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from delivery_portal import concurrency, roles

from . import selectors, services
from .domain import payloads
from .filtersets import ReleaseFilterSet
from .serializers import (
    BugFixSerializer,
    DependencySerializer,
    EvidenceSerializer,
    FeatureSerializer,
    ReleaseSerializer,
)

SCOPE_SERIALIZERS = {"feature": FeatureSerializer, "bug_fix": BugFixSerializer, "dependency": DependencySerializer}


class ReleaseViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Releases by version: plan, scope, evidence for the exit criteria, readiness (go/no-go)."""

    serializer_class = ReleaseSerializer
    filterset_class = ReleaseFilterSet  # ?product=&release_type=, as the page and its export
    lookup_field = "version"
    lookup_value_regex = "[^/]+"
    write_roles = (roles.DELIVERY_MANAGER,)
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.release_detail_queryset().order_by("-target_date", "-id")

    def get_object(self):
        """The release of the URL's version in any spelling (``/releases/2.5.0/`` is v2.5.0)."""
        version = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        release = selectors.release_by_version(version, self.filter_queryset(self.get_queryset()))
        if release is None:
            raise NotFound(f"No release {version}.")
        self.check_object_permissions(self.request, release)
        return release

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.release_create(
            version=data["version"], target_date=data["target_date"], services=data["services"],
            product=data.get("product") or "portal", by=self.request.user,
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        release = self.get_queryset().get(pk=serializer.instance.pk)
        return Response(self.get_serializer(release).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, *args, **kwargs):
        release = self.get_object()
        return concurrency.set_etag(Response(self.get_serializer(release).data), release)

    @extend_schema(
        request=OpenApiTypes.OBJECT, responses={200: ReleaseSerializer, 409: OpenApiTypes.OBJECT, 412: OpenApiTypes.OBJECT},
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False,
                                     description="The ETag of the GET this edit is based on (412 if someone changed it since).")],
    )
    def partial_update(self, request, *args, **kwargs):
        """Move the target date: {"target_date", "edit_version"?}; open checklist items move with it.

        Optimistic concurrency: send `If-Match` with the ETag of your GET (412 when someone
        else changed the release since) or `"edit_version"` (409).
        """
        release = self.get_object()
        field = serializers.DateField()
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": ["Expected a JSON object."]})
        if "target_date" not in request.data:
            raise ValidationError({"target_date": ["This field is required."]})
        try:
            target = field.run_validation(request.data["target_date"])
        except ValidationError as exc:
            raise ValidationError({"target_date": exc.detail}) from exc
        expected = concurrency.expected_from_request(request, release)
        services.release_set_target_date(release=release, target_date=target, by=request.user, expected_version=expected)
        release = self.get_queryset().get(pk=release.pk)
        return concurrency.set_etag(Response(self.get_serializer(release).data), release)

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: EvidenceSerializer})
    @action(detail=True, methods=["post"])
    def evidence(self, request, version=None):
        """Record evidence for one exit criterion: {"criterion", ...payload fields of the contract's table}."""
        release = self.get_object()
        data = request.data if isinstance(request.data, dict) else {}
        criterion = data.get("criterion")
        if not criterion:
            raise ValidationError({"criterion": [f"This field is required: one of {', '.join(payloads.CRITERIA)}."]})
        payload = {k: v for k, v in data.items() if k != "criterion"}
        evidence = services.evidence_record(release=release, criterion=criterion, payload=payload, by=request.user)
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def readiness(self, request, version=None):
        """Every exit criterion with PASS/WARN/FAIL, the recommendation, its conditions and the rollout.

        `?at=<timestamp>` asks as of that moment (evidence recorded later does not count).
        """
        at = None
        if request.query_params.get("at"):
            try:
                at = serializers.DateTimeField().run_validation(request.query_params["at"])
            except ValidationError as exc:
                raise ValidationError({"at": exc.detail}) from exc
        return Response(selectors.release_readiness(self.get_object(), at=at))

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def scope(self, request, version=None):
        """Add a scope item: {"kind": "feature"|"bug_fix"|"dependency", ...its fields}."""
        release = self.get_object()
        data = request.data if isinstance(request.data, dict) else {}
        kind = data.get("kind") if data.get("kind") in SCOPE_SERIALIZERS else None
        if kind is None:
            raise ValidationError({"kind": ["One of feature, bug_fix, dependency."]})
        fields = {k: v for k, v in data.items() if k != "kind"}
        if kind == "dependency":
            fields["kind"] = data.get("dependency_kind", "")
        item = services.scope_item_add(release=release, kind=kind, data=fields, by=request.user)
        return Response({"kind": kind, **SCOPE_SERIALIZERS[kind](item).data}, status=status.HTTP_201_CREATED)


