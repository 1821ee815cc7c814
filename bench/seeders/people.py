"""Seeder of the users and their role groups."""

from django.contrib.auth.hashers import make_password

from ..rows import insert, next_id
from .base import BENCH_USER, Ctx, seeder


@seeder("users", "auth.User", "auth.Group")
def seed_users(ctx: Ctx) -> None:
    from django.contrib.auth.models import Group, User

    from delivery_portal import roles

    groups = {name: Group.objects.get_or_create(name=name)[0] for name in roles.ALL_ROLES}
    password = make_password("bench")
    bench, _ = User.objects.get_or_create(
        username=BENCH_USER, defaults={"is_staff": True, "is_superuser": True, "email": "bench@example.com", "password": password}
    )
    bench.groups.add(groups[roles.DELIVERY_MANAGER])
    role_cycle = [roles.ON_CALL, roles.CAB_MEMBER, roles.DELIVERY_MANAGER, roles.ON_CALL, roles.CAB_MEMBER]
    users, by_role = [], {name: [] for name in roles.ALL_ROLES}
    first = next_id(User)
    for i in range(ctx.scale.users):
        users.append({"id": first + i, "username": f"bench-{i:03d}", "password": password, "email": f"bench-{i:03d}@example.com",
                      "first_name": "Bench", "last_name": f"User {i}", "is_active": True, "date_joined": ctx.start})
        by_role[role_cycle[i % len(role_cycle)]].append(first + i)
    insert(User, users)
    through = User.groups.through
    start = next_id(through)
    memberships = [{"id": start + n, "user_id": uid, "group_id": groups[role].pk}
                   for n, (role, uid) in enumerate((r, u) for r, uids in by_role.items() for u in uids)]
    insert(through, memberships)
    ctx.ids["users"] = [u["id"] for u in users]
    ctx.ids["users_by_role"] = by_role
    ctx.ids["bench_user"] = bench.pk
    ctx.count("users", len(users) + 1)
