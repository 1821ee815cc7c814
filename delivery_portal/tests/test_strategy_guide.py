from delivery_portal.strategy_guide import STRATEGIES, recommend, recommend_for_release


def test_each_when_to_use_row_recommends_its_strategy():
    assert recommend({"instant_rollback": True, "double_infrastructure": True}).strategy == "blue_green"
    assert recommend({"subset_validation": True}).strategy == "canary"
    assert recommend({"cost_constrained": True, "mixed_versions_ok": True}).strategy == "rolling"
    assert recommend({"small_low_traffic": True, "maintenance_window_ok": True}).strategy == "big_bang"


def test_lower_risk_wins_when_several_fit():
    result = recommend({"instant_rollback": True, "double_infrastructure": True, "subset_validation": True})
    assert result.strategy == "blue_green" and result.alternatives == ["canary"]


def test_instant_rollback_without_2x_infrastructure_is_explained():
    result = recommend({"instant_rollback": True, "subset_validation": True})
    assert result.strategy == "canary"
    assert any("needs 2x infrastructure" in r for r in result.reasons)


def test_nothing_known_defaults_to_canary():
    assert recommend({}).strategy == "canary"


def test_partial_fit_names_what_is_missing():
    result = recommend({"cost_constrained": True})
    assert result.strategy == "rolling"
    assert "Can the service run old and new versions side by side" in result.reasons[0]


def test_release_recommendation_by_size():
    assert recommend_for_release(release_type="minor").strategy == "blue_green"
    assert STRATEGIES["blue_green"].rollback_plan == "Instant switch to blue environment"
    assert recommend_for_release(release_type="patch").strategy == "canary"
    assert recommend_for_release(release_type="patch", has_db_migrations=True).strategy == "blue_green"
