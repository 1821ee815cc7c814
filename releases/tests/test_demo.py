from releases import demo
from releases.models import Evidence, Release
from releases.selectors import release_readiness


def test_demo_is_conditional_go_and_idempotent(users):
    demo.load(users)
    demo.load(users)
    # v2.4.0 and v2.5.0 (7 criteria each), v2.6.0 due soon with 2 pieces of evidence.
    assert Release.objects.count() == 3 and Evidence.objects.count() == 16
    assert release_readiness(Release.objects.get(version="v2.6.0"))["recommendation"] == "NO-GO"
    readiness = release_readiness(Release.objects.get(version="v2.5.0"))
    assert readiness["recommendation"] == "CONDITIONAL GO"
    assert readiness["release_type"] == "minor"
    assert readiness["conditions"] == ["Complete documentation review before T-0"]
