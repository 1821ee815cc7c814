"""One path from a posted form to a service, for every page.

Every page that changes something does the same four things: validate the form, call one
service, turn the service's refusal into something the person can read, and answer with a
status that htmx and scripts can act on. This module does them once:

    outcome = formposts.submit(form, lambda data: services.thing_do(**data, by=request.user))
    if outcome.ok:
        messages.success(request, "Done.")
        return redirect(...)
    return render(request, "app/page.html", context, status=outcome.status)

What the person sees, whatever the view:

- the form is invalid -> its field errors, status `INVALID_STATUS`;
- the service raises django's ValidationError -> the errors on the form, by field where the
  form has that field (`errors.add_to_form`), status `INVALID_STATUS`;
- ConcurrentEditError (someone else saved first) -> a non-field form error that says so
  (`concurrency.form_conflict`), status 409; nothing of theirs is overwritten and the
  person's text stays in the form;
- ProcessError (a rule of the process forbids it) -> `outcome.error` (one sentence, then the
  reasons), also a non-field form error unless `process_on_form=False`, status 409.

`handle()` adds the common tail for a view: on success an optional success message and
the view's own answer (a redirect, or for htmx the swapped partial with an `HX-Trigger`
event); on failure a refusal as an error message and the view's page or partial again with
the form, at the outcome's status.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.core.exceptions import ValidationError

from delivery_portal import concurrency
from delivery_portal.errors import ConcurrentEditError, ProcessError, add_to_form

# Invalid input on a page. 400 like the API's bad input; a single constant so that every
# page answers the same way.
INVALID_STATUS = 400
REFUSED_STATUS = 409


@dataclass
class Outcome:
    """What happened to a posted form: `ok` with the service's `result`, or why not."""

    ok: bool
    result: Any = None
    status: int = 200
    error: str = ""  # a ProcessError or ConcurrentEditError in words, for a message
    reasons: list[str] = field(default_factory=list)
    conflict: bool = False  # someone else saved first

    def __bool__(self) -> bool:
        return self.ok


def process_error_text(exc: ProcessError) -> str:
    """The refusal in words: the sentence, then each reason that adds something."""
    extra = [r for r in exc.reasons if r and r != exc.detail]
    return " ".join([exc.detail, *extra]).strip()


def call(form, service: Callable[[], Any], *, process_on_form: bool = True) -> Outcome:
    """Run `service()` (the form is already valid) and map its errors onto `form`."""
    try:
        result = service()
    except ConcurrentEditError as exc:
        concurrency.form_conflict(form, exc)
        return Outcome(False, status=REFUSED_STATUS, error=exc.detail, reasons=exc.reasons, conflict=True)
    except ProcessError as exc:
        text = process_error_text(exc)
        if process_on_form and form is not None:
            form.add_error(None, text)
        return Outcome(False, status=REFUSED_STATUS, error=text, reasons=exc.reasons)
    except ValidationError as exc:
        if form is None:
            return Outcome(False, status=INVALID_STATUS, error=" ".join(exc.messages))
        add_to_form(form, exc)
        return Outcome(False, status=INVALID_STATUS, error=form_errors_text(form))
    return Outcome(True, result=result)


def submit(form, service: Callable[[dict], Any], *, process_on_form: bool = True) -> Outcome:
    """Validate `form`, then `service(form.cleaned_data)`; see the module's docstring."""
    if not form.is_valid():
        return Outcome(False, status=INVALID_STATUS, error=form_errors_text(form))
    return call(form, lambda: service(form.cleaned_data), process_on_form=process_on_form)


def form_errors_text(form) -> str:
    """All of a form's errors in one line, for a message on a page that does not show the form."""
    return "; ".join(str(e) for errors in form.errors.values() for e in errors)


def message_failure(request, outcome: Outcome, *, prefix: str = "") -> None:
    """A failed outcome as an error message (for a redirect after a plain POST)."""
    if not outcome.ok and outcome.error:
        messages.error(request, f"{prefix}{outcome.error}")


def handle(
    request,
    form,
    service: Callable[[dict], Any],
    *,
    on_success: Callable[[Any], HttpResponse],
    on_failure: Callable[[int], HttpResponse],
    success_message: str | Callable[[Any], str] = "",
    process_on_form: bool = False,
) -> HttpResponse:
    """The whole POST: `submit`, then `on_success(result)` or `on_failure(status)`.

    A refusal (ProcessError) becomes an error message as well (it is about the process, not
    a field), unless `process_on_form` puts it on the form instead."""
    outcome = submit(form, service, process_on_form=process_on_form)
    if outcome.ok:
        text = success_message(outcome.result) if callable(success_message) else success_message
        if text:
            messages.success(request, text)
        return on_success(outcome.result)
    if outcome.status == REFUSED_STATUS and not outcome.conflict and not process_on_form:
        messages.error(request, outcome.error)
    return on_failure(outcome.status)
