"""Routers move traffic between the stable and the new version. One small interface:

    router.automatic          False when a person confirms each shift on the page
    router.apply(deployment=..., to_percent=..., stage=..., rollback=...)   raises RouterError

Chosen per environment (EnvironmentConfig.router_kind); settings in router_settings.
"""

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

import requests
from django.conf import settings as django_settings

from delivery_portal.notifications import encode, sign


class RouterError(Exception):
    pass


class ManualRouter:
    kind = "manual"
    automatic = False

    def __init__(self, settings=None):
        self.settings = settings or {}

    def apply(self, **kwargs):
        raise RouterError("A person moves the traffic and confirms it on the deployment page.")


class WebhookRouter:
    """POSTs signed JSON ({"event": "deployment.traffic_shift", ...}) to the team's hook.

    Signature: X-Portal-Signature: sha256=HMAC(secret or WEBHOOK_SECRET, body). A 2xx
    answer means the traffic has moved; anything else is retried by the task.
    """

    kind = "webhook"
    automatic = True

    def __init__(self, settings=None):
        self.settings = settings or {}

    def payload(self, *, deployment, to_percent, stage=None, rollback=False) -> dict:
        return {
            "event": "deployment.traffic_shift",
            "deployment": deployment.pk,
            "service": deployment.service.slug,
            "environment": deployment.environment,
            "version": deployment.version,
            "strategy": deployment.strategy,
            "from_percent": deployment.traffic_percent,
            "to_percent": to_percent,
            "stage": stage.index + 1 if stage is not None else None,
            "rollback": rollback,
        }

    def apply(self, *, deployment, to_percent, stage=None, rollback=False):
        url = self.settings.get("url")
        if not url:
            raise RouterError("The webhook router has no url configured.")
        body = encode(self.payload(deployment=deployment, to_percent=to_percent, stage=stage, rollback=rollback))
        headers = {
            "Content-Type": "application/json",
            "X-Portal-Event": "deployment.traffic_shift",
            "X-Portal-Signature": sign(body, self.settings.get("secret") or None),
        }
        try:
            response = requests.post(url, data=body, headers=headers, timeout=django_settings.WEBHOOK_TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            raise RouterError(f"webhook unreachable: {exc}") from exc
        if response.status_code >= 300:
            raise RouterError(f"webhook answered HTTP {response.status_code}")
        return f"webhook answered HTTP {response.status_code}"


def nginx_upstream(name: str, stable: list[str], canary: list[str], canary_percent: int) -> str:
    """A weighted upstream block: the stable servers share 100-p, the new ones share p."""
    lines = [f"upstream {name} {{"]
    stable_weight, canary_weight = 100 - canary_percent, canary_percent
    for server in stable:
        if stable_weight > 0:
            lines.append(f"    server {server} weight={max(1, round(stable_weight / len(stable)))};")
    for server in canary:
        if canary_weight > 0:
            lines.append(f"    server {server} weight={max(1, round(canary_weight / len(canary)))};")
    lines.append("}")
    return "\n".join(lines) + "\n"


class NginxRouter:
    """Writes a weighted upstream file and runs the configured reload command.

    settings: upstream_file, upstream_name, stable_servers, canary_servers, reload_command
    (a list, or a string split like a shell would; e.g. ["nginx", "-s", "reload"]).
    """

    kind = "nginx"
    automatic = True

    def __init__(self, settings=None):
        self.settings = settings or {}

    def apply(self, *, deployment, to_percent, stage=None, rollback=False):
        path = self.settings.get("upstream_file")
        stable, canary = self.settings.get("stable_servers") or [], self.settings.get("canary_servers") or []
        if not path or not stable or not canary:
            raise RouterError("The nginx router needs upstream_file, stable_servers and canary_servers.")
        text = nginx_upstream(self.settings.get("upstream_name", "app"), stable, canary, to_percent)
        target = Path(path)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upstream-")
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)  # atomic: nginx never reads half a file
        command = self.settings.get("reload_command")
        if command:
            argv = shlex.split(command) if isinstance(command, str) else list(command)
            try:
                done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise RouterError(f"reload failed: {exc}") from exc
            if done.returncode != 0:
                raise RouterError(f"reload exited {done.returncode}: {(done.stderr or done.stdout).strip()[:500]}")
        return f"wrote {target} ({to_percent}% new)"


ROUTERS = {"manual": ManualRouter, "webhook": WebhookRouter, "nginx": NginxRouter}


def get_router(kind: str, settings=None):
    return ROUTERS[kind](settings)
