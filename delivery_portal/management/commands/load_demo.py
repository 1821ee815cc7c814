"""Demo data for `make run`: roles, the contract's demo users, and each app's examples.

Idempotent: running it again changes nothing that is already there.
"""

import importlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from delivery_portal import roles

DEMO_USERS = [
    ("manager", roles.DELIVERY_MANAGER, "Morgan", "Manager"),
    ("cab1", roles.CAB_MEMBER, "Casey", "Board"),
    ("cab2", roles.CAB_MEMBER, "Charlie", "Board"),
    ("oncall", roles.ON_CALL, "Olive", "Oncall"),
    ("viewer", roles.VIEWER, "Vic", "Viewer"),
]
# Each app may have a demo.py with load(users: dict[str, User]); they run in this order.
# After all of them, each app's optional finish(users) runs (e.g. sla recomputes budgets
# once every app's incidents are in, so a second run finds nothing left to change).
DEMO_APPS = ["sla", "changes", "releases", "deployments", "incidents", "insights"]


def ensure_groups():
    return {name: Group.objects.get_or_create(name=name)[0] for name in roles.ALL_ROLES}


def ensure_demo_users(password: str):
    User = get_user_model()
    groups = ensure_groups()
    users = {}
    for username, role, first, last in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
        )
        if created:
            user.set_password(password)
            user.save()
        user.groups.add(groups[role])
        users[username] = user
    admin, created = User.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True, "email": "admin@example.com"}
    )
    if created:
        admin.set_password(password)
        admin.save()
    users["admin"] = admin
    return users


class Command(BaseCommand):
    help = "Load the demo users and example data (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            users = ensure_demo_users(settings.DEMO_PASSWORD)
            modules = []
            for app in DEMO_APPS:
                try:
                    modules.append(importlib.import_module(f"{app}.demo"))
                except ModuleNotFoundError:
                    continue
            for module in modules:
                module.load(users)
            for module in modules:
                if hasattr(module, "finish"):
                    module.finish(users)
        self.stdout.write(self.style.SUCCESS("Demo data ready: users " + ", ".join(sorted(users))))
