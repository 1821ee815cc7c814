"""`manage.py seed_bench --scale small|large`: the benchmark's data set (see bench/seed.py)."""

import time

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from bench.rows import marker_clear, marker_read
from bench.scales import SCALES
from bench.seed import SEED_VERSION, seed, skipped_seeders


def has_data() -> bool:
    """Whether the database holds portal data: services, which every other row hangs from.
    Looked up by label like the seeders do (bench/seed.py), so this command imports no app."""
    return apps.get_model("sla", "Service").objects.exists()


def ensure_seeded(scale: str, *, fresh: bool = False, log=print) -> dict:
    """Reuse the data set if this database already holds `scale`; otherwise seed it.

    A database that holds other data (no marker, or another scale) is wiped first only when
    `fresh` is true; otherwise CommandError, so nobody loses a real database by accident.
    """
    marker = marker_read()
    if marker and marker["scale"] == scale and marker.get("version") == SEED_VERSION and not fresh:
        if sorted(marker.get("skipped", [])) == sorted(skipped_seeders()):
            log(f"Reusing the {scale} data set seeded at {marker['seeded_at']}.")
            return marker
        log(f"Seeders skipped last time can run now ({', '.join(sorted(set(marker.get('skipped', [])) - set(skipped_seeders())))}): seeding again.")
    if has_data() or marker:
        # A marked database is a bench set (another scale, or older seeders): ours to replace.
        if not fresh and not marker:
            raise CommandError(
                "This database already holds data that is not a bench set. "
                "Use --fresh to wipe it and seed, or point DATABASE_URL at an empty database."
            )
        log("Wiping the database (flush) ...")
        call_command("flush", interactive=False, verbosity=0)
        marker_clear()
    log(f"Seeding the {scale} data set ...")
    started = time.monotonic()
    ctx = seed(scale, log=log)
    log(f"Seeded {scale} in {time.monotonic() - started:.0f} s: " + ", ".join(f"{v:,} {k}" for k, v in ctx.counts.items()))
    return marker_read()


class Command(BaseCommand):
    help = "Seed the benchmark data set (reproducible; reused when the database already holds that scale)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--fresh", action="store_true", help="wipe the database (flush) and seed again")

    def handle(self, *args, scale, fresh, **options):
        ensure_seeded(scale, fresh=fresh, log=lambda line: self.stdout.write(line))
