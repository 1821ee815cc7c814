"""Start the real OpenID provider of tests/oidc/ (Node, panva's `oidc-provider`) for a test.

    with running_provider(redirect_uris=[...], accounts={...}) as idp:
        idp.issuer              # http://127.0.0.1:<port>
        idp.set_groups("alice", ["sre"])   # what the IdP says at the next sign-in

Skips the test, with the reason, where Node or the npm package is missing
(`npm ci --prefix tests/oidc` installs it; .ci/run does).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

OIDC_DIR = Path(__file__).resolve().parents[2] / "tests" / "oidc"
CLIENT_ID = "delivery-portal"
CLIENT_SECRET = "test-client-secret-0123456789"


@dataclass
class Provider:
    issuer: str
    accounts_file: Path

    def accounts(self) -> dict:
        return json.loads(self.accounts_file.read_text())

    def set_groups(self, login: str, groups: list[str]) -> None:
        accounts = self.accounts()
        accounts[login]["groups"] = groups
        self.accounts_file.write_text(json.dumps(accounts))


def _require_node():
    node = shutil.which("node")
    if node is None:
        pytest.skip("needs Node.js for the test OpenID provider (apt-get install nodejs)")
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.skip("needs the npm package oidc-provider: npm ci --prefix tests/oidc (.ci/run does)")
    return node


@contextmanager
def running_provider(*, redirect_uris: list[str], accounts: dict):
    node = _require_node()
    with tempfile.TemporaryDirectory() as folder:
        accounts_file = Path(folder) / "accounts.json"
        accounts_file.write_text(json.dumps(accounts))
        env = {**os.environ, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET,
               "OIDC_REDIRECT_URIS": ",".join(redirect_uris), "OIDC_ACCOUNTS_FILE": str(accounts_file)}
        log = open(Path(folder) / "provider.log", "w+")
        proc = subprocess.Popen([node, "server.mjs"], cwd=OIDC_DIR, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
        try:
            issuer = _wait_for_issuer(proc, log)
            yield Provider(issuer=issuer, accounts_file=accounts_file)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()


def _wait_for_issuer(proc, log) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("ISSUER "):
            return line.split(" ", 1)[1].strip()
        if not line and proc.poll() is not None:
            log.seek(0)
            pytest.fail("the test OpenID provider did not start:\n" + log.read())
    pytest.fail("the test OpenID provider did not say where it listens within 30 s")
