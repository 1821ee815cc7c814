"""`manage.py bench` (what `make bench` runs): seed or reuse the small and large data sets,
measure the key pages, the references, the budget recompute, DORA and throughput, print a
table and write var/bench/results.json. See bench/runner.py for the design."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from bench import runner


class Command(BaseCommand):
    help = "Benchmark the key pages at small and large scale (see docs/performance.md)."

    def add_arguments(self, parser):
        parser.add_argument("--scales", default="small,large", help="comma-separated: small,large")
        parser.add_argument("--requests", type=int, default=30, help="timed requests per page (after the warm-up)")
        parser.add_argument("--warmup", type=int, default=5)
        parser.add_argument("--load-seconds", type=float, default=15.0, help="0 skips the throughput test")
        parser.add_argument("--threads", type=int, default=4, help="concurrent clients of the throughput test")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of the throughput test")
        parser.add_argument("--pages", default="", help="only these pages (comma-separated NAMEs)")
        parser.add_argument("--out", default=str(runner.OUT_DIR / "results.json"))
        # Internal: measure one scale in this process (the parent points DATABASE_URL at it).
        parser.add_argument("--child", default="", help="internal: measure this scale in this process")
        parser.add_argument("--child-out", default="")
        parser.add_argument("--fresh", action="store_true", help="internal: the database may be wiped")

    def handle(self, *args, **o):
        only = [p for p in o["pages"].split(",") if p] or None
        log = lambda line: self.stdout.write(str(line))  # noqa: E731
        if o["child"]:
            result = runner.measure_scale(o["child"], requests=o["requests"], warmup=o["warmup"], fresh=o["fresh"], only=only, log=log)
            Path(o["child_out"]).write_text(json.dumps(result, indent=2, default=str))
            return
        runner.run(scales=tuple(s for s in o["scales"].split(",") if s), requests=o["requests"], warmup=o["warmup"],
                   load_seconds=o["load_seconds"], threads=o["threads"], workers=o["workers"], only=only, out=Path(o["out"]), log=log)
