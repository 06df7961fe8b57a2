import os
import secrets
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from openphb.config.settings.env import env_bool, env_int


def phb(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    dropped = ("SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE")
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "openphb", *args],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )


def test_production_settings_pass_the_deploy_check_with_no_warnings():
    result = phb(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="openphb.config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="phb.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = phb("check", DJANGO_SETTINGS_MODULE="openphb.config.settings.production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_nonsense_boolean_fails_loudly(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="true or false"):
        env_bool("DEBUG", False)


def test_a_nonsense_number_fails_loudly(monkeypatch):
    monkeypatch.setenv("DB_CONN_MAX_AGE", "forever")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("DB_CONN_MAX_AGE", 0)


def test_a_database_url_we_cannot_read_fails_loudly():
    result = phb("check", DATABASE_URL="nosuchdb://x")
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr
