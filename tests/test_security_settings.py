"""Fail closed (issue 10, item 6 and R8): production unless debug is asked for, the deploy checks
clean in production, and a Content-Security-Policy on every answer."""

import os
import re
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env):
    """manage.py in production mode: the environment a deploy that sets only what it must has."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DEMO_DATA_ALLOWED"}
        and not key.startswith("AUDIT_")  # the tests' own audit files (tests/conftest.py)
    }
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


_AUDIT_FILES = Path(tempfile.mkdtemp(prefix="audit-production-"))
PRODUCTION = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "council.example.com",
    "AUDIT_SIGNING_KEY": str(_AUDIT_FILES / "signing-key.pem"),
    "AUDIT_WITNESS_PATH": str(_AUDIT_FILES / "witness.jsonl"),
}


def test_R8_the_deploy_checks_are_clean_in_production(figure):
    # The README's production steps: the signing key is created once, on purpose.
    created = manage("audit_signing_key", "--create", **PRODUCTION)
    assert created.returncode == 0, created.stderr
    assert "Key id:" in created.stdout

    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    issues = re.search(r"identified (no|\d+) issues?", output)
    assert issues and issues.group(1) == "no", output
    figure("R8", "check --deploy --fail-level WARNING in production mode: 0 issues")


def test_without_debug_asked_for_a_missing_secret_key_stops_the_app():
    result = manage("check")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_without_debug_asked_for_the_audit_files_must_be_named():
    named = {k: v for k, v in PRODUCTION.items() if not k.startswith("AUDIT_")}

    result = manage("check", **named)

    assert result.returncode != 0
    assert "AUDIT_SIGNING_KEY" in result.stderr


def test_in_production_a_missing_signing_key_is_an_error_not_a_new_key(tmp_path):
    missing = {**PRODUCTION, "AUDIT_SIGNING_KEY": str(tmp_path / "nowhere.pem")}

    result = manage("check", "--deploy", **missing)

    assert result.returncode != 0
    assert "audit.E001" in result.stderr
    assert not (tmp_path / "nowhere.pem").exists()


def test_without_debug_asked_for_demo_data_is_refused():
    result = manage("seed_demo", **PRODUCTION)

    assert result.returncode != 0
    assert "refused in production" in result.stderr


def test_the_tests_ask_for_debug_explicitly(settings):
    # pyproject.toml's pytest `env` (and the Makefile) set it before the settings load.
    assert os.environ["DJANGO_DEBUG"] == "true"
    assert settings.DEMO_DATA_ALLOWED is True


# --- Content-Security-Policy --------------------------------------------------------------------


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


@pytest.mark.parametrize("path", ["/accounts/login/", "/transparency/", "/"])
def test_every_page_carries_the_policy(client, alice, path):
    client.force_login(alice)

    directives = policy(client.get(path))

    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["base-uri"] == ["'self'"]
    assert not any("unsafe" in value for values in directives.values() for value in values)


def test_the_api_docs_have_no_inline_script_or_style(client, alice):
    client.force_login(alice)

    response = client.get("/api/docs/")

    assert "Content-Security-Policy" in response
    page = response.content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert "<style" not in page and "style=" not in page
    script = client.get("/api/docs/?script")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_no_template_holds_inline_script_style_or_event_handler():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if re.search(
            r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=", path.read_text(), re.IGNORECASE
        )
    ]
    assert offenders == []
