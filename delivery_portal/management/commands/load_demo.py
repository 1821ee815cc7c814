"""Demo data for `make run`: roles, the contract's demo users, and each app's examples.

Idempotent: running it again changes nothing that is already there.
"""

import importlib

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from delivery_portal import roles

DEMO_USERS = [
    ("manager", roles.DELIVERY_MANAGER, "Morgan", "Manager"),
    ("cab1", roles.CAB_MEMBER, "Casey", "Board"),
    ("cab2", roles.CAB_MEMBER, "Charlie", "Board"),
    ("oncall", roles.ON_CALL, "Olive", "Oncall"),
    ("viewer", roles.VIEWER, "Vic", "Viewer"),
]


def demo_modules() -> list:
    """The demo.py of every installed app that has one, found through Django's app registry
    (this command names no app): each has load(users: dict[str, User]) and may have
    finish(users). They run in INSTALLED_APPS order, which is the apps' dependency order
    (sla's services exist before changes and releases use them)."""
    return [
        importlib.import_module(f"{config.name}.demo")
        for config in apps.get_app_configs()
        if module_has_submodule(config.module, "demo")
    ]


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
            modules = demo_modules()
            for module in modules:
                module.load(users)
            # After every app's load, each optional finish(users) (e.g. sla recomputes budgets once
            # every app's incidents are in, so a second run finds nothing left to change).
            for module in modules:
                if hasattr(module, "finish"):
                    module.finish(users)
        self.stdout.write(self.style.SUCCESS("Demo data ready: users " + ", ".join(sorted(users))))
