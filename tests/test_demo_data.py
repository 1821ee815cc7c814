from django.contrib.auth import get_user_model
from django.core.management import call_command


def test_demo_data_is_idempotent_and_has_the_contract_users(db, settings):
    settings.DEMO_PASSWORD = "demo"
    call_command("load_demo")
    counts = _counts()
    call_command("load_demo")
    assert _counts() == counts
    User = get_user_model()
    for username, group in [("manager", "delivery_manager"), ("cab1", "cab_member"), ("cab2", "cab_member"),
                            ("oncall", "on_call"), ("viewer", "viewer")]:
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [group]
        assert user.check_password("demo")
    assert User.objects.get(username="admin").is_superuser


def _counts():
    from django.apps import apps

    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.app_label not in {"sessions", "axes"}}
