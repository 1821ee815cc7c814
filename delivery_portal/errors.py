"""Errors that services raise and both the pages and the API understand."""


class ProcessError(Exception):
    """A rule of the delivery process forbids the action (API: 409; pages: an error message).

    `detail` is one sentence for people; `reasons` lists every rule that failed.
    """

    def __init__(self, detail: str, reasons: list[str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.reasons = list(reasons or [])


class ConcurrentEditError(ProcessError):
    """Someone else saved the object since this edit started (a stale version)."""


def add_to_form(form, exc) -> None:
    """A service's django ValidationError shown on `form`: by field where the form has that
    field, as a non-field error otherwise (and for an error that names no field)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)
