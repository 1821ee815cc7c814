from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from delivery_portal import roles

from .filtersets import ChangeFilterSet
from .selectors.conflicts import conflicts_for_changes
from .selectors.detail import change_detail, change_queryset
from .services import decisions
from .services.decisions import change_submit
from .services.drafts import change_create
from .services.lifecycle import ACTIONS, change_review
from .serializers import ChangeSerializer, CommentSerializer

DECIDERS = (roles.CAB_MEMBER, roles.DELIVERY_MANAGER, roles.ON_CALL)


class ChangeViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Change requests. Process rules that forbid an action answer 409 {"detail", "reasons"}."""

    serializer_class = ChangeSerializer
    filterset_class = ChangeFilterSet  # ?state=&change_type=&service=, as the page and its export
    lookup_field = "reference"
    write_roles = roles.WRITER_ROLES
    action_roles = {"approve": DECIDERS, "reject": DECIDERS}

    def get_queryset(self):
        return change_queryset().order_by("-created_at")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        conflicts = conflicts_for_changes(page)
        serializer = self.get_serializer(page, many=True, context={**self.get_serializer_context(), "conflicts": conflicts})
        return self.get_paginated_response(serializer.data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields, service_list, template = serializer.to_fields(serializer.validated_data)
        try:
            change = change_create(user=request.user, services=service_list or (), template=template, **fields)
        except DjangoValidationError as exc:
            # 400 {"field": [...]}, with the services under "impact" where the request has them.
            errors = dict(exc.message_dict)
            if "services" in errors:
                errors["impact"] = {"services": errors.pop("services")}
            raise ValidationError(errors) from exc
        return Response(self._show(change), status=status.HTTP_201_CREATED)

    def _show(self, change):
        change = change_detail(change.reference)
        return self.get_serializer(change).data

    def _decide(self, request, verb):
        body = CommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        change = self.get_object()
        getattr(decisions, f"change_{verb}")(change=change, user=request.user, comment=body.validated_data["comment"])
        return Response(self._show(change))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request, reference=None):
        change = self.get_object()
        change_submit(change=change, user=request.user)
        return Response(self._show(change))

    @extend_schema(request=CommentSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, reference=None):
        return self._decide(request, "approve")

    @extend_schema(request=CommentSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, reference=None):
        return self._decide(request, "reject")

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="transition/(?P<verb>schedule|start|complete|fail|close|cancel)")
    def transition(self, request, reference=None, verb=None):
        change = self.get_object()
        ACTIONS[verb](change=change, user=request.user)
        return Response(self._show(change))

    @extend_schema(request=CommentSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, reference=None):
        body = CommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        change = self.get_object()
        change_review(change=change, user=request.user, notes=body.validated_data["comment"])
        return Response(self._show(change))
