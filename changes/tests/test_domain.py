"""The rules of changes/domain/ on real dates, without a database."""

from datetime import UTC, datetime, timedelta

import pytest

from changes.domain import approval, conflicts, reviews, submission, workflow
from changes.domain.approval import Vote

SUBMIT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def full_values(**over):
    values = {
        "title": "Upgrade", "description": "d", "justification": "j", "impact_systems": "db", "services": ["svc"],
        "impact_users": "all", "impact_downtime_minutes": 0, "implementation_plan": "i", "rollback_plan": "r",
        "testing_plan": "t", "window_start": SUBMIT + timedelta(days=5), "window_end": SUBMIT + timedelta(days=5, hours=2),
    }
    values.update(over)
    return values


def test_normal_lead_time_boundaries():
    assert submission.lead_time_problem("normal", SUBMIT, SUBMIT + timedelta(days=5)) is None
    problem = submission.lead_time_problem("normal", SUBMIT, SUBMIT + timedelta(days=4, hours=23))
    assert problem and "2026-03-07 09:00" in problem  # the earliest allowed window
    assert "expedited" in problem  # or re-type


def test_expedited_lead_time_boundaries():
    assert submission.lead_time_problem("expedited", SUBMIT, SUBMIT + timedelta(hours=24)) is None
    problem = submission.lead_time_problem("expedited", SUBMIT, SUBMIT + timedelta(hours=23, minutes=59))
    assert "2026-03-03 09:00" in problem


@pytest.mark.parametrize("change_type", ["standard", "emergency"])
def test_no_lead_time_for_standard_and_emergency(change_type):
    assert submission.lead_time_problem(change_type, SUBMIT, SUBMIT) is None
    assert submission.lead_time_problem(change_type, SUBMIT, SUBMIT - timedelta(minutes=3)) is None


def test_submission_names_each_missing_field():
    problems = submission.submission_problems(
        change_type="normal", values=full_values(justification="", services=[], testing_plan="  ", window_end=None), at=SUBMIT
    )
    assert problems[0] == "Missing: justification, impact: services, testing plan, window end."


def test_complete_normal_change_may_be_submitted():
    assert submission.submission_problems(change_type="normal", values=full_values(), at=SUBMIT) == []


@pytest.mark.parametrize("change_type", ["normal", "expedited"])
def test_rollback_plan_needed_for_normal_and_expedited(change_type):
    problems = submission.submission_problems(change_type=change_type, values=full_values(rollback_plan=""), at=SUBMIT)
    assert f"A {change_type} change needs a documented rollback plan." in problems


def test_standard_needs_a_template():
    problems = submission.submission_problems(change_type="standard", values=full_values(), at=SUBMIT)
    assert any("template" in p for p in problems)
    assert submission.submission_problems(change_type="standard", values=full_values(), at=SUBMIT, has_template=True) == []


def test_window_must_end_after_start():
    problems = submission.submission_problems(
        change_type="emergency", values=full_values(window_end=SUBMIT + timedelta(days=4)), at=SUBMIT
    )
    assert "The window must end after it starts." in problems


def test_normal_quorum_is_two_distinct_approvals():
    assert approval.approval_outcome("normal", [Vote(1, "approve")]) == "submitted"
    assert approval.approval_outcome("normal", [Vote(1, "approve"), Vote(1, "approve")]) == "submitted"
    assert approval.approval_outcome("normal", [Vote(1, "approve"), Vote(2, "approve")]) == "approved"
    assert approval.approval_outcome("normal", [Vote(1, "approve"), Vote(2, "reject")]) == "rejected"
    assert approval.approval_outcome("normal", [Vote(1, "approve"), Vote(2, "approve"), Vote(3, "reject")]) == "rejected"


@pytest.mark.parametrize("change_type", ["expedited", "emergency"])
def test_one_approval_suffices(change_type):
    assert approval.approval_outcome(change_type, []) == "submitted"
    assert approval.approval_outcome(change_type, [Vote(1, "approve")]) == "approved"


def test_standard_is_pre_approved():
    assert approval.approval_outcome("standard", []) == "approved"


def decide(**over):
    args = dict(change_type="normal", state="submitted", decision="approve", voter_id=2, requester_id=1,
                voter_roles={"cab_member"}, previous_voter_ids=[], comment="")
    args.update(over)
    return approval.decision_problems(**args)


def test_decision_rules():
    assert decide() == []
    assert "Nobody approves or rejects their own change." in decide(voter_id=1, requester_id=1)
    assert "A rejection needs a comment saying why." in decide(decision="reject")
    assert decide(decision="reject", comment="Too risky in peak season.") == []
    assert "You have already decided on this change." in decide(previous_voter_ids=[2])
    assert decide(change_type="expedited") == ["An expedited change is decided by a delivery manager."]
    assert decide(change_type="expedited", voter_roles={"delivery_manager"}) == []
    assert decide(change_type="emergency", voter_roles={"on_call"}) == []
    assert any("Only a submitted change" in p for p in decide(state="draft"))


def test_transition_table():
    path = [("draft", "submit"), ("submitted", "approve"), ("approved", "schedule"), ("scheduled", "start"),
            ("implementing", "complete"), ("completed", "review"), ("reviewed", "close")]
    for state, action in path:
        workflow.next_state(state, action)
    assert workflow.next_state("implementing", "fail") == "failed"
    assert workflow.next_state("failed", "review") == "reviewed"
    assert workflow.next_state("submitted", "reject") == "rejected"
    for state in ("draft", "submitted", "approved", "rejected", "scheduled"):
        assert workflow.next_state(state, "cancel") == "cancelled"
    for state in ("implementing", "completed", "failed", "reviewed", "closed", "cancelled"):
        with pytest.raises(workflow.RuleError):
            workflow.next_state(state, "cancel")
    with pytest.raises(workflow.RuleError):
        workflow.next_state("draft", "approve")
    with pytest.raises(workflow.RuleError):
        workflow.next_state("approved", "start")  # normal changes are scheduled first
    assert workflow.next_state("approved", "start", "emergency") == "implementing"


def test_emergency_review_within_five_days():
    done = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert not reviews.emergency_review_overdue("emergency", "completed", done, done + timedelta(days=5))
    assert reviews.emergency_review_overdue("emergency", "completed", done, done + timedelta(days=5, minutes=1))
    assert not reviews.emergency_review_overdue("emergency", "reviewed", done, done + timedelta(days=9))
    assert not reviews.emergency_review_overdue("normal", "completed", done, done + timedelta(days=9))


def test_overlap_is_half_open():
    a = datetime(2026, 3, 2, 10, tzinfo=UTC)
    assert conflicts.overlaps(a, a + timedelta(hours=1), a + timedelta(minutes=59), a + timedelta(hours=2))
    assert not conflicts.overlaps(a, a + timedelta(hours=1), a + timedelta(hours=1), a + timedelta(hours=2))
    assert conflicts.overlaps(a, a + timedelta(hours=1), a - timedelta(days=1), None)


# --- Conflicts: which freezes, changes and blackouts collide with a window -------------------
H = timedelta(hours=1)
WINDOW = conflicts.ChangeWindow(1, SUBMIT + 24 * H, SUBMIT + 26 * H, ("checkout", "search"), "CHG-2026-0001", "submitted")


def test_open_freezes_conflict_whatever_the_window_and_ended_ones_only_when_they_overlap():
    freezes = [
        conflicts.FreezeSpan("checkout", SUBMIT - 48 * H, None),  # open: always
        conflicts.FreezeSpan("search", SUBMIT + 25 * H, SUBMIT + 30 * H),  # overlaps the window's end
        conflicts.FreezeSpan("search", SUBMIT, SUBMIT + 24 * H),  # ends as the window starts: no overlap
        conflicts.FreezeSpan("payments", SUBMIT - H, None),  # another service
    ]
    found = conflicts.find_conflicts(WINDOW, freezes=freezes, budget_frozen=["checkout", "search"])
    assert [(c.kind, c.service, c.starts_at) for c in found] == [
        ("freeze", "checkout", SUBMIT - 48 * H),
        ("freeze", "search", SUBMIT + 25 * H),
        # search is frozen by its budget with no open freeze row; checkout's open freeze says it already.
        ("freeze", "search", None),
    ]
    assert found[0].detail.startswith("Service checkout is under a deploy freeze since")
    # Without a window only open freezes and budget freezes count.
    unplanned = conflicts.ChangeWindow(2, None, None, ("search",))
    assert conflicts.find_conflicts(unplanned, freezes=freezes) == []


def test_other_changes_collide_only_on_a_shared_service_with_an_overlapping_window():
    others = [
        conflicts.ChangeWindow(1, SUBMIT + 24 * H, SUBMIT + 26 * H, ("checkout",), "CHG-2026-0001", "submitted"),  # itself
        conflicts.ChangeWindow(2, SUBMIT + 25 * H, SUBMIT + 27 * H, ("search", "checkout", "edge"), "CHG-2026-0002", "approved"),
        conflicts.ChangeWindow(3, SUBMIT + 26 * H, SUBMIT + 28 * H, ("checkout",), "CHG-2026-0003", "approved"),  # starts at our end
        conflicts.ChangeWindow(4, SUBMIT + 24 * H, SUBMIT + 25 * H, ("edge",), "CHG-2026-0004", "scheduled"),  # no shared service
    ]
    found = conflicts.find_conflicts(WINDOW, others=others)
    assert [(c.reference, c.service) for c in found] == [("CHG-2026-0002", "checkout")]
    assert "on checkout, search has an overlapping window" in found[0].detail


def test_blackouts_collide_organisation_wide_or_on_one_of_the_services():
    blackouts = [
        conflicts.BlackoutSpan("Year end", SUBMIT, SUBMIT + 100 * H),  # organisation-wide
        conflicts.BlackoutSpan("Search migration", SUBMIT + 20 * H, SUBMIT + 25 * H, ("search", "edge")),
        conflicts.BlackoutSpan("Edge only", SUBMIT, SUBMIT + 100 * H, ("edge",)),
        conflicts.BlackoutSpan("Later", SUBMIT + 26 * H, SUBMIT + 30 * H),  # starts at our end
    ]
    found = conflicts.find_conflicts(WINDOW, blackouts=blackouts)
    assert [(c.kind, c.service) for c in found] == [("blackout", ""), ("blackout", "search")]
    assert "'Year end' organisation-wide" in found[0].detail and "'Search migration' for search" in found[1].detail


def test_the_change_page_offers_the_work_to_owners_and_emergency_work_to_on_call():
    actions = lambda *args, **kw: [a for a, _label in workflow.offered_actions(*args, **kw)]  # noqa: E731
    assert actions("draft", "normal", owner=True, on_call=False) == ["submit", "cancel"]
    assert actions("draft", "normal", owner=False, on_call=True) == []
    assert actions("approved", "normal", owner=False, on_call=True) == []
    assert actions("approved", "emergency", owner=False, on_call=True) == ["schedule", "start"]  # no cancel: not theirs
    assert actions("implementing", "normal", owner=True, on_call=False) == ["complete", "fail"]
    assert actions("submitted", "normal", owner=True, on_call=True) == ["cancel"]  # deciding has its own form
    assert workflow.may_review("completed", "normal", requester=True, cab_member=False)
    assert not workflow.may_review("completed", "emergency", requester=True, cab_member=False)
    assert workflow.may_review("failed", "emergency", requester=False, cab_member=True)
    assert not workflow.may_review("implementing", "normal", requester=True, cab_member=True)
