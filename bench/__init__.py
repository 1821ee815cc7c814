"""The benchmark of `make bench` (issue 9): seeders per app, a registry of key pages, the runner.

- `bench.scales`   the data set sizes (tiny for tests, small = large / 100, large).
- `bench.rows`     bulk insertion (PostgreSQL COPY, executemany elsewhere) and the seed marker.
- `bench.seed`     runs the seeders in order in one transaction; a seeder whose model is
                   not installed yet is skipped and says so.
- `bench.seeders`  one module of seeders per app, and what they share (`seeders.base`).
- `bench.pages`    NAME -> URL builder from the seeded data; a page whose URL name does not
                   resolve is reported as missing.
- `bench.measure`  timing and query counting of pages, references, recompute, DORA, load.
- `bench.runner`   what `manage.py bench` does.
"""
