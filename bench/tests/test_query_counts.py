"""Regression guard of `make bench`: the SQL query count of every key page, pinned on a tiny
data set made by the benchmark's own seeders. No timings: counts only, in seconds.

A page whose URL does not exist yet (its app is not merged) is skipped with the reason. A page
that exists but has no pin here must still stay within the issue's budget of 15 queries.
Counts are data queries (transaction control such as BEGIN/COMMIT is not counted).
"""

import pytest
from django.db import connection, transaction

from bench import measure
from bench.pages import PAGES, url_for
from bench.seed import seed

MAX_QUERIES = 15

# Pinned counts at tiny scale, with the page caches off (the worst case: DORA computed, not
# read from insights.cache). Four of them are the per-request overhead of every page: session,
# user, the user's roles, the session refresh (SESSION_SAVE_EVERY_REQUEST).
PINNED = {
    "dashboard": 17,
    "release": 13,
    "dora": 12,
    # The foundation's skeleton pages (sla_overview 5, service 6, incident_list 6,
    # incident_detail 6) are replaced by the merge of their apps: pin them then. Measured on
    # their branches (small set): sla_overview 9, service 13, incident_list 8,
    # incident_detail 9, change_calendar 8, cab_agenda 6, api_incident_list 6.
    # On main with every app merged (10:30, before this branch): dashboard 23 and release 17
    # here; this branch's release page makes that 13, the dashboard needs a decision (see
    # README, Performance).
}
# Pages known to be above the 15-query goal today, with the reason (see README, Performance).
OVER_BUDGET = {
    "dashboard": "4 per-request queries (session, user, roles, session refresh) + 13 for six panels; 14 with DORA cached",
}


@pytest.fixture(scope="module")
def tiny(django_db_setup, django_db_blocker):
    """The tiny set, seeded once for the module inside a transaction that is rolled back."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield seed("tiny", log=lambda line: None, write_marker=False).info
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.mark.parametrize("name", list(PAGES))
def test_page_query_count(name, tiny, db, settings):
    settings.DORA_CACHE_SECONDS = 0
    url = url_for(name, tiny)
    if url is None:
        pytest.skip(f"page {name!r} does not exist yet (its app is not merged)")
    client = measure.bench_client()
    client.get(url)  # first request: anything that is created once (e.g. a feed token)
    status, queries, sqls = measure.count_queries(client, url)
    if status == 404:
        pytest.skip(f"page {name!r} answers 404 on the tiny set")
    assert status == 200, f"{url} answered {status}"
    listing = "\n".join(sqls)
    if name in PINNED:
        assert queries == PINNED[name], f"{name} made {queries} queries, pinned {PINNED[name]} ({connection.vendor}):\n{listing}"
    if name not in OVER_BUDGET:
        assert queries <= MAX_QUERIES, f"{name} made {queries} queries (budget {MAX_QUERIES}):\n{listing}"
