"""What every seeder shares: the context, the registry, model lookup, random helpers."""

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.apps import apps

from ..scales import Scale

SEED = 20260909
# Bump when a seeder changes what it writes: a marker of another version is seeded again.
SEED_VERSION = 3
BENCH_USER = "bench"


@dataclass
class Ctx:
    scale: Scale
    rng: random.Random
    anchor: datetime
    start: datetime
    ids: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    skipped: list = field(default_factory=list)
    log: callable = print

    def when(self) -> datetime:
        """A random moment in the history window (start .. anchor)."""
        span = (self.anchor - self.start).total_seconds()
        return self.start + timedelta(seconds=self.rng.random() * span)

    def count(self, label: str, n: int) -> None:
        self.counts[label] = self.counts.get(label, 0) + n


def model(label: str):
    """The model `app_label.ModelName`, or None when that app or model does not exist (yet)."""
    app_label, name = label.split(".")
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


def has_field(model_cls, name: str) -> bool:
    try:
        model_cls._meta.get_field(name)
        return True
    except Exception:
        return False


SEEDERS: list[tuple[str, tuple[str, ...], callable]] = []


def seeder(name: str, *needs: str):
    """Register a seeder that runs only if every model in `needs` exists."""

    def register(fn):
        SEEDERS.append((name, needs, fn))
        return fn

    return register


def lognormal_minutes(rng, median: float, sigma: float, cap: float) -> float:
    return min(cap, max(1.0, rng.lognormvariate(math.log(median), sigma)))


def services_for(ctx: Ctx, most: int) -> list[int]:
    """1..most distinct services, the first few services more often (some are busier)."""
    services = ctx.ids["services"]
    k = ctx.rng.randint(1, min(most, len(services)))
    picked = set()
    while len(picked) < k:
        i = int(len(services) * (ctx.rng.random() ** 1.6))  # skewed towards low indexes
        picked.add(services[min(i, len(services) - 1)])
    return sorted(picked)
