"""The API fuzzed from its own OpenAPI schema (schemathesis): no endpoint answers 500.

Generic: every operation of `/api/v1/schema/` is fuzzed, so the apps merged later
(services, incidents, changes, deployments...) are covered without touching this file.
The schema is loaded from the Django app over WSGI (no server), with a token.

Each operation runs a few generated cases (valid and invalid input), twice: once with the
generated path parameters (mostly unknown objects: 404) and once with the human key of an
object seeded below (`SEEDED_KEYS`), so detail routes and actions really run. Bounded in
time: FUZZ_EXAMPLES cases per operation and mode (default 4), a per-case deadline.

Run more cases locally: `FUZZ_EXAMPLES=100 .venv/bin/python -m pytest tests/test_api_fuzz.py`.
"""

import os
from contextlib import contextmanager
from datetime import date, timedelta

import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
SCHEMA_PATH = "/api/v1/schema/"
# Views that stream files or open the docs UI: not part of the JSON API.
SKIP_PATHS = ("/api/v1/schema/", "/api/v1/docs/")


def seed_objects(users):
    """One object of each kind the API addresses, and the keys to reach them.

    Keyed by the first path segment after /api/v1/ and the path parameter's name. Apps
    that are not merged yet (or whose factory cannot build an object) are left out.
    """
    from releases import services as release_services
    from sla.tests.factories import ServiceFactory

    keys = {}
    service = ServiceFactory(slug="fuzz-svc", name="Fuzz service")
    keys["services"] = {"slug": service.slug}
    keys["teams"] = {"slug": service.team.slug}
    release = release_services.release_create(
        version="v9.0.0", target_date=date.today() + timedelta(days=20), services=[service], by=users["manager"]
    )
    release_services.scope_item_add(release=release, kind="bug_fix", by=users["manager"],
                                    data={"title": "Fuzz bug", "priority": "P1", "status": "open"})
    release_services.evidence_record(release=release, criterion="bugs", payload={"open_p1": 0, "open_p2": 0},
                                     by=users["manager"])
    keys["releases"] = {"version": release.version}

    def optional(prefix, build):
        try:
            keys[prefix] = build()
        except Exception:  # noqa: BLE001 - an app not merged yet or a factory out of date: fuzz without it
            pass

    def incident():
        # In respond (triaged, a commander): transition, PATCH and timeline reach the later states.
        from incidents.services import lifecycle
        from django.utils import timezone

        found = lifecycle.incident_open(
            title="Fuzz incident", severity="SEV-2", services=[service],
            impact_started_at=timezone.now() - timedelta(minutes=30), by=users["manager"])
        lifecycle.incident_triage(incident=found, commander=users["oncall"], by=users["manager"])
        lifecycle.incident_respond(incident=found, by=users["manager"])
        return {"reference": found.reference}

    def change():
        # Submitted by someone else: the manager's fuzzed approve/reject/decide really decide.
        from changes.models import ChangeState
        from changes.tests.factories import ChangeRequestFactory
        from django.utils import timezone

        return {"reference": ChangeRequestFactory(services=[service], requester=users["oncall"],
                                                  state=ChangeState.SUBMITTED, submitted_at=timezone.now()).reference}

    def deployment():
        # Running (its first stage entered): metrics, pause, promote, rollback act on a live rollout.
        from deployments.services import starting

        running = starting.deployment_request(service=service, environment="staging", version="9.9.9",
                                              strategy="canary", reason="fuzz", by=users["manager"])
        if running.state != "running":
            from deployments.tests.factories import DeploymentFactory

            running = DeploymentFactory(service=service)
        return {"id": str(running.pk)}

    for prefix, build in (("incidents", incident), ("changes", change), ("deployments", deployment)):
        optional(prefix, build)
    return keys


@contextmanager
def keep_test_connection():
    """Raw WSGI requests close the database connection when they finish (request_finished);
    inside a test transaction that would break it, so do as Django's test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def load_schema(token):
    """The live schema of the app, fetched over WSGI like a client would (no server)."""
    return schemathesis.openapi.from_wsgi(
        SCHEMA_PATH, WSGIHandler(), headers={"Authorization": f"Token {token}", "Accept": "application/json"}
    )


def _seeded_params(operation, keys):
    """Path parameters pointing at a seeded object (None if the operation has none or none fits)."""
    names = [p.name for p in operation.path_parameters]
    if not names:
        return None
    segment = operation.path.removeprefix("/api/v1/").split("/")[0]
    known = keys.get(segment, {})
    params = {name: known.get(name) for name in names}
    return None if any(v is None for v in params.values()) else params


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=timedelta(seconds=5),
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)


def plan(operation, keys, *, writes=True):
    """(strategy, examples) pairs for one operation.

    Detail routes run on the seeded object (valid and invalid bodies) and, briefly, on
    generated keys (unknown objects: 404, but odd characters must not break routing).
    `writes=False` (a viewer): one small positive batch, the role check answers first.
    """
    seeded = _seeded_params(operation, keys)
    has_params = bool(operation.path_parameters)
    positive = GenerationMode.POSITIVE
    negative = GenerationMode.NEGATIVE
    if not writes:
        return [(operation.as_strategy(positive, path_parameters=seeded), max(2, EXAMPLES // 2))]
    pairs = []
    if has_params:
        pairs.append((operation.as_strategy(positive), 2))
        if seeded:
            pairs += [(operation.as_strategy(positive, path_parameters=seeded), EXAMPLES),
                      (operation.as_strategy(negative, path_parameters=seeded), EXAMPLES)]
    else:
        pairs += [(operation.as_strategy(positive), EXAMPLES), (operation.as_strategy(negative), EXAMPLES)]
    return pairs


def fuzz(username, users, keys, *, writes=True):
    """Run every operation's strategies; return the failures as readable lines."""
    token, _ = Token.objects.get_or_create(user=users[username])
    schema = load_schema(token.key)
    headers = {"Authorization": f"Token {token.key}"}
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith(SKIP_PATHS):
            continue
        operations += 1
        for strategy, examples in plan(operation, keys, writes=writes):

            @settings(FUZZ_SETTINGS, max_examples=examples)
            @given(case=strategy)
            def check(case):
                case.call_and_validate(headers=headers, checks=[not_a_server_error])

            try:
                check()
            except Unsatisfiable:
                pass  # nothing to make invalid (no body, no query): the positive cases covered it
            except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report them all
                failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    assert operations >= 5, "the schema lists too few operations: is the API mounted?"
    return failures


def test_no_server_error_as_delivery_manager(users):
    """A delivery manager may write everywhere: the fuzzed writes really run."""
    with keep_test_connection():
        failures = fuzz("manager", users, seed_objects(users))
    assert not failures, "\n\n".join(failures)


def test_no_server_error_as_viewer(users):
    """A viewer reads everything and is refused every write (403), never a 500."""
    with keep_test_connection():
        failures = fuzz("viewer", users, seed_objects(users), writes=False)
    assert not failures, "\n\n".join(failures)


# --- The Alertmanager webhook: its schema is a bare object, so shape the payloads here ----
def _alert_payloads():
    from hypothesis import strategies as st

    text = st.text(max_size=20)
    anything = st.one_of(st.none(), st.booleans(), st.integers(), text, st.lists(text, max_size=2),
                         st.dictionaries(text, text, max_size=2))
    times = st.one_of(st.none(), st.just("2026-11-27T10:00:00Z"), st.just("0001-01-01T00:00:00Z"),
                      st.just("2026-11-27T10:00:00+05:00"), st.just("not a time"), st.integers(), text)
    labels = st.one_of(
        st.fixed_dictionaries({"alertname": st.one_of(text, anything),
                               "severity": st.one_of(st.sampled_from(["critical", "warning", "info", "page", "SEV-1"]), anything),
                               "service": st.one_of(st.just("fuzz-svc"), st.just("fuzz-svc,nope"), anything)}),
        anything)
    alert = st.one_of(
        st.fixed_dictionaries({
            "status": st.one_of(st.sampled_from(["firing", "resolved", "FIRING"]), anything),
            "labels": labels,
            "annotations": st.one_of(st.fixed_dictionaries({"summary": st.one_of(text, anything),
                                                            "description": st.one_of(text, anything)}), anything),
            "startsAt": times, "endsAt": times,
            "fingerprint": st.one_of(st.sampled_from(["f1", "f2"]), anything),
        }),
        anything)
    return st.fixed_dictionaries({
        "version": st.one_of(st.just("4"), st.just(4), anything),
        "status": st.one_of(st.sampled_from(["firing", "resolved"]), anything),
        "alerts": st.one_of(st.lists(alert, max_size=3), anything),
        "commonLabels": st.one_of(st.fixed_dictionaries({"service": st.just("fuzz-svc")}), anything),
    })


def test_alertmanager_webhook_never_answers_500(users, api_for):
    """Firing, re-firing and resolving payloads (valid and malformed): 200 or 400, never a 500."""
    from hypothesis import strategies as st  # noqa: F401 - the strategy module is imported above

    seed_objects(users)
    api = api_for("oncall")
    api.raise_request_exception = False
    statuses = []

    @settings(FUZZ_SETTINGS, max_examples=max(40, EXAMPLES * 10))
    @given(payload=_alert_payloads())
    def check(payload):
        response = api.post("/api/v1/alerts/alertmanager/", payload, format="json")
        statuses.append(response.status_code)
        assert response.status_code < 500, (payload, response.content[:500])

    check()
    assert 200 in statuses  # well-formed alerts really reached the ingest
