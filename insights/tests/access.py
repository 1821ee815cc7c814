"""See sla/tests/access.py for what this module declares."""

from insights.views import PANELS

WRITE_ACCESS = {
    "insights:maturity-assess": {"delivery_manager"},
}


def make_objects(objects):
    from insights.tests.factories import MaturityAssessmentFactory

    return {"maturity_assessment": MaturityAssessmentFactory(team=objects["team"])}


def kwargs(objects):
    team, release = objects["team"], objects["release"]
    return {
        "insights:maturity-assess": {"slug": team.slug},
        "insights:maturity-history": {"slug": team.slug},
        "insights:maturity-history-csv": {"slug": team.slug},
        "insights:maturity-result": {"pk": objects["maturity_assessment"].pk},
        "insights:release-risk-json": {"version": release.version},
        "insights:release-risk-csv": {"version": release.version},
        **{f"insights:panel-{name}": None for name in PANELS},
    }
