from releases import demo
from releases.models import Evidence, Release
from releases.selectors import release_readiness


def test_demo_is_conditional_go_and_idempotent(users):
    demo.load(users)
    demo.load(users)
    assert Release.objects.count() == 2 and Evidence.objects.count() == 14
    readiness = release_readiness(Release.objects.get(version="v2.5.0"))
    assert readiness["recommendation"] == "CONDITIONAL GO"
    assert readiness["release_type"] == "minor"
    assert readiness["conditions"] == ["Complete documentation review before T-0"]
