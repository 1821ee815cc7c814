"""Error shapes of the contract: 400 {"field": [...]}, 409 {"detail", "reasons"}."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from delivery_portal.concurrency import PreconditionMismatch
from delivery_portal.errors import ConcurrentEditError, ProcessError

log = logging.getLogger(__name__)


def exception_handler(exc, context):
    if isinstance(exc, ConcurrentEditError):
        # Optimistic concurrency (delivery_portal.concurrency): a stale If-Match is a failed
        # precondition (412); a stale "edit_version" in the body a conflict (409).
        code = status.HTTP_412_PRECONDITION_FAILED if isinstance(exc, PreconditionMismatch) else status.HTTP_409_CONFLICT
        return Response({"detail": exc.detail, "reasons": exc.reasons or [exc.detail],
                         "current_version": getattr(exc, "current_version", None)}, status=code)
    if isinstance(exc, ProcessError):
        return Response({"detail": exc.detail, "reasons": exc.reasons or [exc.detail]}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        return Response(as_serializer_error(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        log.info("integrity error turned into 409: %s", exc)
        return Response(
            {"detail": "This conflicts with an existing record.", "reasons": [str(exc).splitlines()[0]]},
            status=status.HTTP_409_CONFLICT,
        )
    return drf_exception_handler(exc, context)
