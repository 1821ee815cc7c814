"""Seeding the benchmark data set: the seeders of bench/seeders/ (one module per app), in order.

Each seeder is `fn(ctx)`; it reads what earlier seeders made from `ctx.ids` and records what
the pages need (a service slug, the incident with the long timeline, ...) in `ctx.info`, which
is stored in the marker. A seeder names the models it needs; when one is not installed yet
(`apps.get_model` fails) the seeder is skipped and the output says so, so that the same
command fills the models of the other apps once they are merged.

Random numbers come from one `random.Random(SEED)` and times from a fixed anchor (midnight UTC
of the seeding day, stored in the marker): the same scale gives the same rows.
"""

import random
from datetime import datetime, time, timedelta
from datetime import timezone as dt_timezone

from django.db import transaction
from django.utils import timezone

from .rows import marker_write
from .scales import SCALES
# Importing a seeder module registers its seeders; they run in the order imported here
# (later seeders read the ids of earlier ones: users first, incidents after deployments).
from .seeders import people, sla, releases, changes, deployments, incidents  # noqa: F401
from .seeders.base import SEED, SEED_VERSION, SEEDERS, Ctx, model


def skipped_seeders() -> list[str]:
    """The seeders whose models are not installed (yet)."""
    return [name for name, needs, _ in SEEDERS if any(model(label) is None for label in needs)]


def anchor_for(at: datetime | None = None) -> datetime:
    at = at or timezone.now()
    return datetime.combine(at.astimezone(dt_timezone.utc).date(), time(0), dt_timezone.utc)


def seed(scale: str, *, log=print, anchor: datetime | None = None, write_marker: bool = True) -> Ctx:
    """Seed `scale` into the current (empty) database in one transaction; return the context."""
    sc = SCALES[scale]
    anchor = anchor or anchor_for()
    ctx = Ctx(scale=sc, rng=random.Random(f"{SEED}-{scale}"), anchor=anchor,
              start=anchor - timedelta(days=365 * sc.years), log=log)
    with transaction.atomic():
        for name, needs, fn in SEEDERS:
            missing = [label for label in needs if model(label) is None]
            if missing:
                ctx.skipped.append(name)
                log(f"  skipped {name}: {', '.join(missing)} not installed yet")
                continue
            started = timezone.now()
            fn(ctx)
            log(f"  seeded {name} in {(timezone.now() - started).total_seconds():.1f} s")
        info = {**ctx.info, "anchor": anchor.isoformat(), "counts": ctx.counts, "skipped": ctx.skipped, "seed": SEED,
                "version": SEED_VERSION}
        if write_marker:
            marker_write(scale, info)
    ctx.info = info
    return ctx
