"""Optimistic concurrency: the second of two concurrent editors is told, never silently overwritten.

The pattern (see docs/concurrency.md):

- The model has an integer `edit_version` (add `VersionedModel` to its bases, or declare
  `edit_version = concurrency.version_field()`), left out of the audit history with
  `HistoricalRecords(excluded_fields=[concurrency.VERSION_FIELD])`.
- The service that edits it takes `expected_version=None` and calls
  `concurrency.claim(obj, expected_version)` first, inside its transaction. `claim` is a
  compare-and-swap in one UPDATE (`... WHERE pk = %s AND edit_version = %s`): the row lock
  it takes serialises concurrent editors, and the loser gets `ConcurrentEditError`. With
  `expected_version=None` (a caller that does not ask for the check) the version is still
  bumped, so editors who opened the object earlier are told.
- Pages: the form has the hidden field (`VersionedForm` or `version_form_field()`),
  initialised with `initial_version(obj)`; the view catches `ConcurrentEditError` and calls
  `form_conflict(form, exc)` ("Someone else changed this ... since you opened it. Reload ...").
- API: GET sends `ETag: "<label>-<pk>-v<n>"` (`set_etag(response, obj)`); PATCH reads
  `If-Match` (`expected_from_request(request, obj)`) or `"edit_version"` in the body. A
  stale `If-Match` gets 412 Precondition Failed, a stale body version 409 Conflict, both
  with `{"detail", "reasons", "current_version"}` (delivery_portal.api.exceptions).
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F

from delivery_portal.errors import ConcurrentEditError

VERSION_FIELD = "edit_version"
_ETAG = re.compile(r'^(?:W/)?"(?P<label>[\w.]+)-(?P<pk>[^"]+)-v(?P<version>\d+)"$')


def version_field():
    return models.PositiveIntegerField(
        default=1, editable=False, help_text="Optimistic concurrency: bumped by every edit (delivery_portal.concurrency)."
    )


class VersionedModel(models.Model):
    edit_version = version_field()

    class Meta:
        abstract = True


def current_version(obj) -> int:
    return int(getattr(obj, VERSION_FIELD))


def _stale(obj, expected, current, noun):
    noun = noun or obj._meta.verbose_name
    return ConcurrentEditError(
        f"Someone else changed this {noun} since you opened it. Reload to see their changes, then make yours again.",
        [f"You edited version {expected}; the {noun} is now at version {current}."],
    )


def claim(obj, expected_version=None, *, noun: str | None = None) -> int:
    """Bump `obj`'s version if it is still `expected_version` (any version when None).

    Call it inside the service's transaction before writing. Raises ConcurrentEditError
    (with `.current_version`) when someone else saved first. Returns the new version and
    sets it on `obj`, so a later `obj.save()` writes the same number.
    """
    model = type(obj)
    rows = model._default_manager.filter(pk=obj.pk)
    if expected_version is not None:
        try:
            expected = int(expected_version)
        except (TypeError, ValueError):
            expected = -1
        updated = rows.filter(**{VERSION_FIELD: expected}).update(**{VERSION_FIELD: F(VERSION_FIELD) + 1})
        if not updated:
            current = rows.values_list(VERSION_FIELD, flat=True).first()
            stale = _stale(obj, expected_version, current, noun)
            # A version that came from If-Match stays a failed precondition (412) in the API.
            kind = PreconditionMismatch if isinstance(expected_version, _Precondition) else ConcurrentEditError
            exc = kind(stale.detail, stale.reasons)
            exc.current_version = current
            raise exc
        new = expected + 1
    else:
        rows.update(**{VERSION_FIELD: F(VERSION_FIELD) + 1})
        new = rows.values_list(VERSION_FIELD, flat=True).get()
    setattr(obj, VERSION_FIELD, new)
    return new


class _Precondition(int):
    """An expected version that came from If-Match: a later mismatch is still a 412."""


class PreconditionMismatch(ConcurrentEditError):
    """If-Match named another version (or another object): 412 in the API."""


# --- Pages ------------------------------------------------------------------------------
def version_form_field():
    return forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class VersionedForm(forms.Form):
    """A form carrying the version of the object it edits (hidden)."""

    edit_version = version_form_field()


def initial_version(obj) -> dict:
    return {VERSION_FIELD: current_version(obj)}


def form_conflict(form, exc: ConcurrentEditError) -> None:
    """Show the conflict as a form error (non-field) for the second editor."""
    form.add_error(None, exc.detail)


# --- API --------------------------------------------------------------------------------
def etag(obj) -> str:
    return f'"{obj._meta.label_lower}-{obj.pk}-v{current_version(obj)}"'


def set_etag(response, obj):
    response["ETag"] = etag(obj)
    return response


def expected_from_request(request, obj):
    """The version the client says it edits: from `If-Match`, else `edit_version` in the body.

    None when the client sent neither (it does not ask for the check). An If-Match that
    names no version of this object raises PreconditionMismatch (412).
    """
    header = request.headers.get("If-Match", "").strip()
    if header and header != "*":
        for tag in (t.strip() for t in header.split(",")):
            match = _ETAG.match(tag)
            if match and match["label"] == obj._meta.label_lower and match["pk"] == str(obj.pk):
                expected = int(match["version"])
                if expected != current_version(obj):
                    exc = PreconditionMismatch(*_stale_args(obj, expected))
                    exc.current_version = current_version(obj)
                    raise exc
                return _Precondition(expected)
        exc = PreconditionMismatch(
            "If-Match does not name a version of this object; GET it again for its ETag.",
            [f"If-Match {header[:80]} does not match {etag(obj)}."],
        )
        exc.current_version = current_version(obj)
        raise exc
    data = request.data if isinstance(request.data, dict) else {}
    value = data.get(VERSION_FIELD)
    if value is None:
        return None
    if isinstance(value, bool) or not str(value).isdigit():
        raise ValidationError({VERSION_FIELD: ["The version you edited: a whole number (from GET)."]})
    return int(value)


def _stale_args(obj, expected):
    exc = _stale(obj, expected, current_version(obj), None)
    return exc.detail, exc.reasons
