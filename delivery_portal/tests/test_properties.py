"""Property tests (hypothesis) of delivery_portal/strategy_guide.py."""

from hypothesis import given, settings
from hypothesis import strategies as st

from delivery_portal import strategy_guide as guide

FAST = settings(max_examples=80, deadline=None)
ORDER = list(guide.STRATEGIES)  # lower risk first

answers = st.dictionaries(st.sampled_from(sorted(guide.QUESTIONS) + ["unknown"]), st.booleans())


@FAST
@given(answers)
def test_recommend_never_crashes_and_picks_the_lowest_risk_fit(given_answers):
    rec = guide.recommend(given_answers)
    assert rec.strategy in guide.STRATEGIES and rec.label == guide.STRATEGIES[rec.strategy].label
    assert rec.reasons and all(isinstance(r, str) and r for r in rec.reasons)
    yes = {k for k, v in given_answers.items() if v}
    fitting = [key for key, info in guide.STRATEGIES.items() if set(info.needs) <= yes]
    if fitting:
        assert rec.strategy == fitting[0]
        assert set(guide.STRATEGIES[rec.strategy].needs) <= yes
        assert rec.alternatives == fitting[1:]
    elif not yes & {need for info in guide.STRATEGIES.values() for need in info.needs}:
        assert rec.strategy == "canary"  # nothing known: the safe default
    # Answering "no" explicitly is the same as not answering.
    only_yes = {k: True for k in yes}
    assert guide.recommend(only_yes).strategy == rec.strategy


@FAST
@given(st.sampled_from(["major", "minor", "patch"]), st.booleans(), st.booleans())
def test_recommend_for_release(release_type, migrations, critical):
    rec = guide.recommend_for_release(release_type=release_type, has_db_migrations=migrations, critical=critical)
    expected = "blue_green" if release_type in ("major", "minor") or migrations or critical else "canary"
    assert rec.strategy == expected
    assert rec.info.rollback_plan and rec.reasons
