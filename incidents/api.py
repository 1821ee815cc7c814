"""Incidents API (/api/v1/incidents/, /api/v1/alerts/alertmanager/)."""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from delivery_portal import concurrency, roles

from . import selectors
from .filtersets import IncidentFilterSet
from .services import alertmanager, lifecycle
from .services.timeline import timeline_append
from .serializers import (
    IncidentCreateSerializer,
    IncidentPatchSerializer,
    IncidentSerializer,
    PostMortemSerializer,
    TimelineEntrySerializer,
    TransitionSerializer,
)

WRITERS = (roles.ON_CALL,)  # delivery managers may do all of it too (roles.has_role)


class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = IncidentSerializer
    lookup_field = "reference"
    lookup_value_regex = r"[^/]+"
    write_roles = WRITERS
    action_roles = {"create": WRITERS, "partial_update": WRITERS, "timeline": WRITERS, "transition": WRITERS}
    http_method_names = ["get", "post", "patch", "head", "options"]

    filterset_class = IncidentFilterSet  # ?service=&state=&severity= (and show=open)

    def get_queryset(self):
        return selectors.incident_list()

    @extend_schema(request=IncidentCreateSerializer, responses={201: IncidentSerializer})
    def create(self, request):
        data = IncidentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = lifecycle.incident_open(by=request.user, **data.validated_data)
        return Response(self._out(incident), status=status.HTTP_201_CREATED)

    @extend_schema(request=IncidentPatchSerializer, responses={200: IncidentSerializer})
    def retrieve(self, request, *args, **kwargs):
        incident = self.get_object()
        return concurrency.set_etag(Response(self.get_serializer(incident).data), incident)

    def partial_update(self, request, reference=None):
        """Optimistic concurrency: send `If-Match` with the ETag of your GET (412 when someone
        else changed the incident since) or `"edit_version"` in the body (409)."""
        incident = self.get_object()
        data = IncidentPatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        expected = concurrency.expected_from_request(request, incident)
        values = dict(data.validated_data)
        values.pop(concurrency.VERSION_FIELD, None)
        reason = values.pop("reason", "")
        times = {k: values.pop(k) for k in lifecycle.TIME_FIELDS if k in values}
        with transaction.atomic():
            incident = lifecycle.incident_update(incident=incident, by=request.user, reason=reason,
                                                expected_version=expected, **values)
            if times:
                incident = lifecycle.incident_correct_times(incident=incident, by=request.user, reason=reason, **times)
        incident.refresh_from_db()
        return concurrency.set_etag(Response(self._out(incident)), incident)

    @extend_schema(request=TimelineEntrySerializer, responses={201: TimelineEntrySerializer})
    @action(detail=True, methods=["get", "post"])
    def timeline(self, request, reference=None):
        incident = selectors.incident_or_404(reference)
        if request.method == "GET":
            page = self.paginate_queryset(selectors.timeline_entries(incident))
            return self.get_paginated_response(TimelineEntrySerializer(page, many=True).data)
        data = TimelineEntrySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = timeline_append(
            incident=incident, by=request.user, kind=data.validated_data["kind"], text=data.validated_data["text"],
            at=data.validated_data.get("at"),
        )
        return Response(TimelineEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TransitionSerializer, responses={200: IncidentSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request, reference=None):
        incident = selectors.incident_or_404(reference)
        data = TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        incident = lifecycle.incident_transition(
            incident=incident, to=values["to"], by=request.user, at=values.get("at"),
            commander=values.get("commander"), impact_ended_at=values.get("impact_ended_at"),
        )
        return Response(self._out(incident))

    @extend_schema(responses={200: PostMortemSerializer})
    @action(detail=True, methods=["get"])
    def postmortem(self, request, reference=None):
        incident = selectors.incident_or_404(reference)
        pm = selectors.incident_postmortem(incident)
        if pm is None:
            return Response({"detail": "No post-mortem yet."}, status=status.HTTP_404_NOT_FOUND)
        # Its ETag and `edit_version`: the version the page's editor checks (delivery_portal.concurrency).
        return concurrency.set_etag(Response(PostMortemSerializer(pm).data), pm)

    def _out(self, incident):
        fresh = selectors.incident_queryset().get(pk=incident.pk)
        return IncidentSerializer(fresh, context=self.get_serializer_context()).data


class AlertmanagerWebhook(APIView):
    """Prometheus Alertmanager webhook (payload version 4).

    Who may call it: an on-call account (Token auth). Create a service account in the
    on_call group (e.g. `alertmanager`) and give Alertmanager its token:
    `http_config: {authorization: {type: Token, credentials: <key>}}`.
    """

    write_roles = WRITERS

    @extend_schema(request=dict, responses={200: dict})
    def post(self, request):
        payload = request.data
        if not isinstance(payload, dict) or not isinstance(payload.get("alerts"), list):
            return Response({"alerts": ["An Alertmanager webhook payload with a list of alerts is expected."]}, status=400)
        version = str(payload.get("version", "4"))
        if version != "4":
            return Response({"version": [f"Only version 4 payloads are understood, not {version}."]}, status=400)
        result = alertmanager.alert_ingest(payload=payload, by=request.user)
        return Response(result, status=status.HTTP_200_OK)
