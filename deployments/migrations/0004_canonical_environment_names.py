"""Environment names of existing rows as deployments are now written: trimmed, lower-case,
aliases replaced (prod/prd -> production, stage/stg -> staging), so that DORA and maturity,
which compare with "production", count what the gates already treated as production.

The alias table is copied here (deployments.domain.canonical_environment may change later).
An environment configuration or stage plan whose canonical name is already taken by another
row is left as it was (two configurations cannot be merged automatically)."""

from django.db import migrations

ALIASES = {"prod": "production", "prd": "production", "stage": "staging", "stg": "staging"}


def canonical(name):
    key = (name or "").strip().lower()
    return ALIASES.get(key, key)


def normalise(apps, schema_editor):
    Deployment = apps.get_model("deployments", "Deployment")
    for name in list(Deployment.objects.order_by().values_list("environment", flat=True).distinct()):
        if canonical(name) and canonical(name) != name:
            Deployment.objects.filter(environment=name).update(environment=canonical(name))
    EnvironmentConfig = apps.get_model("deployments", "EnvironmentConfig")
    for config in EnvironmentConfig.objects.all():
        name = canonical(config.environment)
        if name and name != config.environment and not EnvironmentConfig.objects.filter(environment=name).exists():
            EnvironmentConfig.objects.filter(pk=config.pk).update(environment=name)
    StagePlanOverride = apps.get_model("deployments", "StagePlanOverride")
    for plan in StagePlanOverride.objects.all():
        name = canonical(plan.environment)
        taken = StagePlanOverride.objects.filter(service_id=plan.service_id, environment=name, strategy=plan.strategy)
        if name and name != plan.environment and not taken.exists():
            StagePlanOverride.objects.filter(pk=plan.pk).update(environment=name)


class Migration(migrations.Migration):
    dependencies = [("deployments", "0003_deployment_active_idx")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop, elidable=True)]
