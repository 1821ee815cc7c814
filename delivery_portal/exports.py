"""CSV export for any list: a streaming response from rows and a column spec.

    columns = [("Reference", "reference"), ("Service", "service.name"), ("Age", lambda row: ...)]
    return csv_response(queryset, columns, filename="incidents.csv")

Rows may be model instances, dicts or any objects; a column is (header, accessor) where
the accessor is a dotted attribute/key path or a callable taking the row. Querysets are
iterated in chunks of CHUNK_SIZE rows (`.iterator(chunk_size=...)`; a prefetch_related lookup
costs one query per chunk, never one per row), so a large export never sits in memory. Text cells
that a spreadsheet would read as a formula (starting with = + - @, tab or carriage return)
are prefixed with a single quote (CSV/formula injection); numbers are written as numbers.
"""

import csv
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Rows read per database round trip when streaming a queryset (and per prefetch query).
CHUNK_SIZE = 2000


def escape_cell(value) -> object:
    """The cell as it should be written: formula-looking text neutralised, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, Decimal)):
        return value
    if isinstance(value, datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _resolve(row, accessor):
    if callable(accessor):
        return accessor(row)
    value = row
    for part in accessor.split("."):
        if value is None:
            return None
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
        if callable(value) and not isinstance(value, type):
            value = value()
    return value


class _Echo:
    """A file-like object whose write returns the line, for csv.writer to stream through."""

    def write(self, value):
        return value


def csv_rows(rows: Iterable, columns: list[tuple[str, str | Callable]]):
    """Yield the CSV text line by line: the header, then one line per row."""
    writer = csv.writer(_Echo())
    yield writer.writerow([escape_cell(header) for header, _ in columns])
    if isinstance(rows, QuerySet):
        # Since Django 4.1 an iterator with a chunk size prefetches for each chunk.
        rows = rows.iterator(chunk_size=CHUNK_SIZE)
    for row in rows:
        yield writer.writerow([escape_cell(_resolve(row, accessor)) for _, accessor in columns])


def dated_filename(name: str, *, on: date | None = None) -> str:
    """`<name>-<YYYY-MM-DD>.csv`, today in the portal's time zone by default."""
    return f"{name}-{(on or timezone.localdate()).isoformat()}.csv"


def csv_response(rows: Iterable, columns: list[tuple[str, str | Callable]], *, filename: str) -> StreamingHttpResponse:
    """A streaming text/csv download named `filename`."""
    response = StreamingHttpResponse(csv_rows(rows, columns), content_type="text/csv; charset=utf-8")
    safe_name = "".join(ch for ch in filename if ch.isalnum() or ch in "._-") or "export.csv"
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    return response
