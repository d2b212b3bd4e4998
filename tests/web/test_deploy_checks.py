"""`recoup check --deploy` in the production settings of docs/deploy.md: HTTPS behind a proxy
that ends TLS, a real secret key, DEBUG off. Each runs in a fresh process, since the settings
are read from RECOUP_* variables once, at start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PRODUCTION = {
    "RECOUP_SECRET_KEY": "kQ7v2mX9pL4wR8tN1cZ6bF3hJ5dS0gYaUeWiOoPqTrMnBvCx-_",
    "RECOUP_SECURE_COOKIES": "1",
    "RECOUP_BEHIND_PROXY": "1",
    "RECOUP_ALLOWED_HOSTS": "recoup.example.com",
    "RECOUP_CSRF_TRUSTED_ORIGINS": "https://recoup.example.com",
}


def run(tmp_path: Path, argv: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    # Nothing of the test session's own set-up (RECOUP_*, DJANGO_ALLOW_ASYNC_UNSAFE from the browser tests ...).
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("RECOUP_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, *argv],
        env={**clean, "RECOUP_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=180,
    )


def check_deploy(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return run(tmp_path, ["-m", "recoup.cli", "check", "--deploy", "--fail-level", "WARNING"], **env)


def test_the_production_settings_pass_the_deployment_checks(tmp_path: Path) -> None:
    result = check_deploy(tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    # Only HSTS preloading is silenced: a decision for the domain's owner (docs/deploy.md).
    assert "System check identified no issues (1 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("change", "warning"),
    [
        ({"RECOUP_SECURE_COOKIES": "0"}, "security.W008"),  # and HSTS, both cookies
        ({"RECOUP_BEHIND_PROXY": "0"}, "recoup.W001"),
        ({"RECOUP_SECRET_KEY": "short-and-guessable"}, "security.W009"),
        ({"RECOUP_DEBUG": "1"}, "security.W018"),
    ],
)
def test_each_missing_piece_is_reported(tmp_path: Path, change: dict[str, str], warning: str) -> None:
    result = check_deploy(tmp_path, **{**PRODUCTION, **change})
    assert result.returncode != 0
    assert warning in result.stdout + result.stderr


def test_behind_the_proxy_plain_http_is_redirected_and_https_gets_hsts(tmp_path: Path) -> None:
    script = """
import json, django
django.setup()
from django.test import Client
client = Client()
plain = client.get("/login/", HTTP_HOST="recoup.example.com")
tls = client.get("/login/", HTTP_HOST="recoup.example.com", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "tls": [tls.status_code, tls.get("Strict-Transport-Security")],
    "cookies": {k: bool(v["secure"]) for k, v in tls.cookies.items()},
}))
"""
    result = run(tmp_path, ["-c", script], DJANGO_SETTINGS_MODULE="recoup.settings", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["plain"] == [301, "https://recoup.example.com/login/"]
    assert seen["tls"] == [200, "max-age=31536000; includeSubDomains"]
    assert seen["cookies"] == {"csrftoken": True}
