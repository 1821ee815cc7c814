"""Release rules without a database, on real numbers."""

from datetime import UTC, date, datetime

import pytest

from releases.domain import criteria, payloads, schedule, versions
from releases.domain.criteria import CriterionResult

GOOD = {
    "bugs": {"open_p1": 0, "open_p2": 0},
    "performance": {"p99_ms": 320, "target_ms": 500},
    "security_scan": {"critical": 0, "high": 0},
    "load_test": {"peak_multiple": 2.0},
    "uat_signoff": {"signed_off_by": "Dana", "signed_off_at": "2024-01-23T10:00:00+00:00"},
    "documentation": {"pending_pages": 0},
    "runbook": {"reviewed": True, "reviewed_at": "2024-01-22T10:00:00+00:00"},
}


def result(criterion, payload, **scope):
    evidence = {**GOOD, criterion: payload}
    if payload is None:
        del evidence[criterion]
    return next(r for r in criteria.evaluate_criteria(evidence, **scope) if r.criterion == criterion)


# --- versions ---
@pytest.mark.parametrize(
    "version, previous, expected",
    [
        ("v2.5.0", "v2.4.0", "minor"),
        ("v2.4.1", "v2.4.0", "patch"),
        ("v3.0.0", "v2.4.1", "major"),
        ("v2.5.0", "v2.4.7", "minor"),
        ("2.5.0-rc.1", "v2.4.0", "minor"),
        # first release of a product: read from the version's shape
        ("v1.0.0", None, "major"),
        ("v0.3.0", None, "minor"),
        ("v0.3.2", None, "patch"),
    ],
)
def test_release_type(version, previous, expected):
    assert versions.release_type_for(version, previous) == expected


def test_previous_version_is_the_highest_final_below():
    others = ["v2.4.0", "v2.10.0", "v2.4.1", "v3.0.0", "junk", "v2.5.0-rc.1"]
    # A pre-release is never the previous release (it was v2.5.0-rc.1, typing v2.5.0 "patch").
    assert versions.previous_version("v2.5.0", others) == "v2.4.1"
    assert versions.previous_version("v2.5.0-rc.2", others) == "v2.4.1"
    assert versions.previous_version("v2.4.1", others) == "v2.4.0"
    assert versions.previous_version("v2.11.0", others) == "v2.10.0"  # numeric, not text order
    assert versions.previous_version("v1.0.0", others) is None


@pytest.mark.parametrize(
    "history, version, expected",
    [
        # v2.4.3 -> v2.5.0-rc.1 -> v2.5.0: both minor (a pre-release has its final's type)
        (["v2.4.3"], "v2.5.0-rc.1", "minor"),
        (["v2.4.3", "v2.5.0-rc.1"], "v2.5.0", "minor"),
        (["v2.4.3", "v2.5.0-rc.1", "v2.5.0-rc.2"], "v2.5.0", "minor"),
        # v2.5.0 -> v3.0.0-rc.1 -> v3.0.0: both major
        (["v2.4.3", "v2.5.0"], "v3.0.0-rc.1", "major"),
        (["v2.4.3", "v2.5.0", "v3.0.0-rc.1"], "v3.0.0", "major"),
        (["v2.5.0", "v3.0.0-rc.1", "v3.0.0"], "v3.0.1", "patch"),
        # only pre-releases before: nothing to compare with, the shape decides
        (["v3.0.0-rc.1", "v3.0.0-rc.2"], "v3.0.0", "major"),
        # a pre-release made after its final still compares with the release before
        (["v2.4.3", "v2.5.0"], "v2.5.0-rc.3", "minor"),
    ],
)
def test_release_type_among_a_products_releases(history, version, expected):
    assert versions.release_type_among(version, history) == expected
    assert versions.release_type_among(version, [*history, version]) == expected  # its own row does not count


def test_retype_after_one_pass_over_the_later_releases():
    # v2.5.1 and v2.5.0 were computed against nothing; v2.4.0 joins below them.
    releases = {1: ("v2.5.1", "patch"), 2: ("v3.0.0", "major"), 3: ("v2.4.0", "minor"), 4: ("v1.0.0", "major")}
    assert versions.retype_after("v2.4.0", releases) == {1: "minor"}  # v1.0.0 comes before: untouched
    releases = {1: ("v2.5.0", "minor"), 2: ("v1.8.0", "minor")}
    assert versions.retype_after("v1.8.0", releases) == {1: "major"}
    # v2.4.0 added later under v2.5.0: recomputed, still minor (nothing to save).
    assert versions.retype_after("v2.4.0", {1: ("v2.5.0", "minor"), 2: ("v2.4.0", "minor")}) == {}
    # A pre-release never changes the others' types.
    releases = {1: ("v2.4.3", "patch"), 2: ("v2.5.0", "minor"), 3: ("v2.5.0-rc.1", "minor"), 4: ("junk", "patch")}
    assert versions.retype_after("v2.5.0-rc.1", releases) == {}
    # The v2.5.0 stored as "patch" by the old rule is put right by the next release below it.
    releases = {1: ("v2.4.3", "patch"), 2: ("v2.5.0-rc.1", "minor"), 3: ("v2.5.0", "patch"), 4: ("v2.4.2", "patch")}
    assert versions.retype_after("v2.4.2", releases) == {3: "minor"}


@pytest.mark.parametrize(
    "text, canonical",
    [("v2.5.0", "v2.5.0"), ("2.5.0", "v2.5.0"), (" V2.5.0 ", "v2.5.0"), ("\t2.5.0-rc.1\n", "v2.5.0-rc.1"),
     ("v1.0.0+build.7", "v1.0.0+build.7")],
)
def test_canonical_version(text, canonical):
    assert versions.canonical_version(text) == canonical
    assert versions.version_spellings(text)[0] == canonical


@pytest.mark.parametrize("bad", ["2.5", "vv2.5.0", "v 2.5.0", "", None])
def test_canonical_version_refuses_what_is_not_semver(bad):
    with pytest.raises(ValueError):
        versions.canonical_version(bad)


@pytest.mark.parametrize("bad", ["2.5", "v2.5.x", "", "v02.1.0", "release-1"])
def test_bad_versions(bad):
    with pytest.raises(ValueError):
        versions.parse_version(bad)


# --- T-dates ---
def test_t_dates_of_a_thursday_target():
    dates = schedule.t_dates(date(2024, 1, 25))  # Thursday
    assert dates == {
        "t_minus_7": date(2024, 1, 16),  # Tuesday, 7 business days before
        "t_minus_1": date(2024, 1, 24),
        "t_0": date(2024, 1, 25),
        "t_plus_1": date(2024, 1, 26),
    }


def test_t_dates_of_a_monday_target_skip_the_weekend():
    dates = schedule.t_dates(date(2024, 1, 29))  # Monday
    assert dates["t_minus_1"] == date(2024, 1, 26)  # the Friday before, not Sunday
    assert dates["t_minus_7"] == date(2024, 1, 18)  # Thursday of the week before last
    assert dates["t_0"] == date(2024, 1, 29)
    assert dates["t_plus_1"] == date(2024, 1, 30)


def test_t_plus_1_of_a_friday_is_monday():
    assert schedule.t_dates(date(2024, 1, 26))["t_plus_1"] == date(2024, 1, 29)


def test_overdue_from_the_midnight_after_the_due_date():
    due = date(2024, 1, 16)
    assert not schedule.is_overdue(due=due, done=False, at=datetime(2024, 1, 16, 23, 59, tzinfo=UTC))
    assert schedule.is_overdue(due=due, done=False, at=datetime(2024, 1, 17, 0, 0, tzinfo=UTC))
    assert not schedule.is_overdue(due=due, done=True, at=datetime(2024, 1, 20, tzinfo=UTC))


def test_scope_changes_after_t_minus_7_are_late():
    target = date(2024, 1, 29)  # T-7 is Thursday 18 January
    assert not schedule.scope_change_is_late(target=target, on=date(2024, 1, 17))
    assert not schedule.scope_change_is_late(target=target, on=date(2024, 1, 18))  # on T-7 itself: still in time
    assert schedule.scope_change_is_late(target=target, on=date(2024, 1, 19))
    assert schedule.scope_change_is_late(target=target, on=date(2024, 1, 10), scope_finalised=True)


# --- criteria boundaries ---
def test_sample_report_details():
    evidence = {**GOOD, "documentation": {"pending_pages": 2}}
    details = [(r.status, r.detail) for r in criteria.evaluate_criteria(evidence)]
    assert details == [
        ("PASS", "All P1/P2 bugs resolved (0 open)"),
        ("PASS", "Performance benchmarks met (P99: 320ms < 500ms target)"),
        ("PASS", "Security scan passed (0 critical, 0 high)"),
        ("PASS", "Load testing complete (sustained 2x peak traffic)"),
        ("PASS", "UAT sign-off received (Jan 23)"),
        ("WARN", "Documentation: 2 pages pending review"),
        ("PASS", "Runbook reviewed and updated"),
    ]


def test_bugs_boundaries():
    assert result("bugs", {"open_p1": 0, "open_p2": 0}).status == "PASS"
    r = result("bugs", {"open_p1": 0, "open_p2": 1})
    assert (r.status, r.detail) == ("FAIL", "P1/P2 bugs still open (1 open: 1 P2)")
    r = result("bugs", {"open_p1": 1, "open_p2": 0}, scope_open_p1=1, scope_open_p2=1)
    assert (r.status, r.detail) == ("FAIL", "P1/P2 bugs still open (3 open: 2 P1, 1 P2; 2 in this release's scope)")
    r = result("bugs", {"open_p1": 0, "open_p2": 0}, scope_open_p2=1)
    assert r.status == "FAIL"
    r = result("bugs", None)
    assert r.status == "FAIL" and "no bug report recorded" in r.detail


def test_performance_boundaries():
    assert result("performance", {"p99_ms": 499, "target_ms": 500}).status == "PASS"
    r = result("performance", {"p99_ms": 500, "target_ms": 500})  # "below" the target: equal fails
    assert (r.status, r.detail) == ("FAIL", "Performance benchmarks not met (P99: 500ms >= 500ms target)")
    assert result("performance", {"p99_ms": 499.5, "target_ms": 500}).detail == (
        "Performance benchmarks met (P99: 499.5ms < 500ms target)"
    )
    assert "no P99 measurement" in result("performance", None).detail


def test_security_boundaries():
    assert result("security_scan", {"critical": 0, "high": 0}).status == "PASS"
    assert result("security_scan", {"critical": 0, "high": 1}).detail == "Security scan failed (0 critical, 1 high)"
    assert result("security_scan", {"critical": 1, "high": 0}).status == "FAIL"
    assert result("security_scan", None).status == "FAIL"


def test_load_test_boundaries():
    assert result("load_test", {"peak_multiple": 2.0}).status == "PASS"
    assert result("load_test", {"peak_multiple": 2.5}).detail == "Load testing complete (sustained 2.5x peak traffic)"
    r = result("load_test", {"peak_multiple": 1.99})
    assert (r.status, r.detail) == ("FAIL", "Load testing incomplete (sustained 1.99x peak traffic, 2x needed)")
    assert result("load_test", None).status == "FAIL"


def test_uat_and_runbook():
    assert result("uat_signoff", None).detail == "UAT sign-off missing: nobody has signed off"
    assert result("uat_signoff", {"signed_off_by": "x", "signed_off_at": "2024-02-05T09:00:00+00:00"}).detail == (
        "UAT sign-off received (Feb 5)"
    )
    assert result("runbook", {"reviewed": False, "reviewed_at": "2024-01-22T10:00:00+00:00"}).status == "FAIL"
    assert result("runbook", None).status == "FAIL"


def test_documentation_boundaries():
    assert result("documentation", {"pending_pages": 0}).status == "PASS"
    r = result("documentation", {"pending_pages": 1})
    assert (r.status, r.detail) == ("WARN", "Documentation: 1 page pending review")
    assert result("documentation", None).status == "FAIL"


# --- verdicts ---
def test_go_when_all_pass():
    decision = criteria.decide(criteria.evaluate_criteria(GOOD))
    assert (decision.recommendation, decision.conditions) == ("GO", [])


def test_conditional_go_lists_conditions_before_t0():
    decision = criteria.decide(criteria.evaluate_criteria({**GOOD, "documentation": {"pending_pages": 2}}))
    assert decision.recommendation == "CONDITIONAL GO"
    assert decision.conditions == ["Complete documentation review before T-0"]


def test_no_go_with_risk_and_delay():
    results = criteria.evaluate_criteria({**GOOD, "security_scan": {"critical": 1, "high": 0}, "load_test": {"peak_multiple": 1.5},
                                        "documentation": {"pending_pages": 1}})
    decision = criteria.decide(results, target=date(2024, 1, 25))
    assert decision.recommendation == "NO-GO"
    assert decision.conditions[0] == "Risk assessment: High (2 exit criteria failing: security scan, load testing)"
    assert decision.conditions[1] == "Recommended delay: 5 business days (new target date February 1, 2024)"
    assert "Fix before T-0: Security scan failed (1 critical, 0 high)" in decision.conditions
    assert "Complete documentation review before T-0" in decision.conditions
    medium = criteria.decide([CriterionResult("runbook", "FAIL", "Runbook not reviewed")])
    assert medium.conditions[0].startswith("Risk assessment: Medium (1 exit criterion failing")
    assert medium.delay_days == 1


def test_nothing_recorded_is_no_go():
    assert criteria.decide(criteria.evaluate_criteria({})).recommendation == "NO-GO"


# --- payloads ---
def test_payload_validation():
    assert payloads.validate_payload("load_test", {"peak_multiple": "2"}) == ({"peak_multiple": 2.0}, {})
    _, errors = payloads.validate_payload("performance", {"p99_ms": "fast"})
    assert errors == {"p99_ms": ["A number is required."], "target_ms": ["This field is required."]}
    _, errors = payloads.validate_payload("bugs", {"open_p1": -1, "open_p2": 1.5})
    assert set(errors) == {"open_p1", "open_p2"}
    _, errors = payloads.validate_payload("uat_signoff", {"signed_off_by": "x", "signed_off_at": "2024-01-23T10:00:00"})
    assert errors == {"signed_off_at": ["The timestamp needs an offset, e.g. +00:00."]}
    _, errors = payloads.validate_payload("runbook", {"reviewed": "yes", "reviewed_at": "2024-01-23T10:00:00Z"})
    assert errors == {"reviewed": ["Must be true or false."]}
    assert "criterion" in payloads.validate_payload("vibes", {})[1]


def test_evidence_summary():
    assert payloads.evidence_summary({"p99_ms": 320, "target_ms": 500}) == "p99 ms: 320 · target ms: 500"
    assert payloads.evidence_summary({"peak_multiple": 2.0}) == "peak multiple: 2"
    assert payloads.evidence_summary({"reviewed": True, "reviewed_at": "2024-01-22T15:00:00+00:00"}) == (
        "reviewed: yes · reviewed at: 2024-01-22 15:00"
    )


def test_bugs_missing_evidence_mentions_open_scope_bugs():
    r = result("bugs", None, scope_open_p1=1)
    assert (r.status, r.detail) == ("FAIL", "Bug status unknown: no bug report recorded (1 open P1/P2 in scope)")


def test_pre_releases_follow_semantic_versioning_precedence():
    # The example of semver.org, rule 11, shuffled: numeric identifiers compare as numbers.
    ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
               "1.0.0-rc.1", "1.0.0-rc.2", "1.0.0-rc.10", "1.0.0"]
    shuffled = [ordered[i] for i in (9, 8, 2, 0, 6, 5, 4, 7, 1, 3)]
    assert [str(v) for v in sorted(map(versions.parse_version, shuffled))] == [f"v{v}" for v in ordered]
    assert versions.previous_version("v1.0.0-rc.10", ["v1.0.0-rc.2", "v0.9.0"]) == "v0.9.0"  # finals only
