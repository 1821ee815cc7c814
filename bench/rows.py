"""Bulk insertion for the seeders, and the marker that records which scale a database holds.

`insert(model, rows)` writes plain dicts with explicit primary keys: PostgreSQL COPY (psycopg 3)
when the database is PostgreSQL, `executemany` otherwise. It bypasses model `save()`, signals
and django-simple-history on purpose (no history rows, no outbox work), fills every field a row
leaves out with the field's default (so fields added later with a default need no seeder change),
and moves the table's id sequence past the ids it wrote.
"""

import json

from django.db import connection
from django.db.models import NOT_PROVIDED
from django.utils import timezone

MARKER_TABLE = "bench_seed_marker"


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def next_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX({model._meta.pk.column}), 0) FROM {model._meta.db_table}")
        return cursor.fetchone()[0] + 1


def _columns(model, sample: dict):
    fields = []
    for field in model._meta.concrete_fields:
        if field.attname in sample or field.name in sample:
            fields.append(field)
        elif field.primary_key:
            continue
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            fields.append(field)
        elif field.has_default() or field.null:
            fields.append(field)
        elif field.db_default is not NOT_PROVIDED:
            continue  # the database fills it
        else:
            fields.append(field)  # required and not given: let the database complain clearly
    return fields


def insert(model, rows: list[dict], *, batch: int = 20_000) -> int:
    """Insert `rows` (dicts keyed by field attname or name) into `model`'s table."""
    if not rows:
        return 0
    fields = _columns(model, rows[0])
    now = timezone.now()
    defaults = {}
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.attname] = now
        else:
            # What Model() would hold: the default, "" for text fields without one, else None.
            defaults[field.attname] = field.get_default()

    # psycopg adapts these Python values itself; the rest go through the field (and SQLite
    # always does, for its datetime storage).
    plain = {"AutoField", "BigAutoField", "IntegerField", "BigIntegerField", "PositiveIntegerField",
             "PositiveSmallIntegerField", "SmallIntegerField", "CharField", "TextField", "SlugField",
             "BooleanField", "DateTimeField", "DateField", "ForeignKey", "DecimalField", "EmailField", "URLField"}
    kinds = [(field, field.attname, field.name, "json" if field.get_internal_type() == "JSONField"
              else "plain" if is_postgres() and field.get_internal_type() in plain else "prep") for field in fields]

    def values(row):
        out = []
        for field, attname, name, kind in kinds:
            if attname in row:
                value = row[attname]
            elif name in row:
                value = row[name]
            else:
                value = defaults[attname]
            if kind == "json":
                value = json.dumps(value) if value is not None else None
            elif kind == "prep" and value is not None:
                value = field.get_db_prep_save(value, connection)
            out.append(value)
        return out

    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if is_postgres():
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            for start in range(0, len(rows), batch):
                with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows[start : start + batch]:
                        copy.write_row(values(row))
        else:
            marks = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"
            for start in range(0, len(rows), batch):
                cursor.executemany(sql, [values(row) for row in rows[start : start + batch]])
    reset_sequence(model)
    return len(rows)


def reset_sequence(model) -> None:
    if not is_postgres():
        return
    pk = model._meta.pk
    if not pk.get_internal_type().endswith("AutoField"):
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE((SELECT MAX({pk.column}) FROM {table}), 1))",
            [table, pk.column],
        )


# --- the marker ---------------------------------------------------------------------------
def _ensure_marker_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (scale varchar(20) PRIMARY KEY, seeded_at varchar(40) NOT NULL, info text NOT NULL)"
        )


def marker_read() -> dict | None:
    """The scale this database was seeded with, and what the seeders recorded (or None)."""
    if MARKER_TABLE not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT scale, seeded_at, info FROM {MARKER_TABLE}")
        row = cursor.fetchone()
    if row is None:
        return None
    return {"scale": row[0], "seeded_at": row[1], **json.loads(row[2])}


def marker_write(scale: str, info: dict) -> None:
    _ensure_marker_table()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (scale, seeded_at, info) VALUES (%s, %s, %s)",
            [scale, timezone.now().isoformat(), json.dumps(info, default=str)],
        )


def marker_clear() -> None:
    if MARKER_TABLE in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {MARKER_TABLE}")
