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
