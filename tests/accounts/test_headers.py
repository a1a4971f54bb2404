"""Security headers and cookies: CSP with a nonce, no-store, HSTS and __Host- cookies."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from config.middleware import NoStoreMiddleware

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _directives(response):
    policy = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:]
        for part in (p.strip() for p in policy.split(";"))
        if part
    }


def test_page_has_strict_csp_whose_nonce_is_on_the_script_tag(client, handledare_a):
    client.force_login(handledare_a)
    response = client.get(reverse("caseload"))
    directives = _directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    nonces = [s for s in directives["script-src"] if s.startswith("'nonce-")]
    assert len(nonces) == 1
    nonce = nonces[0][len("'nonce-") : -1]
    assert f'nonce="{nonce}"' in response.content.decode()
    # A fresh nonce for each response.
    assert nonce not in client.get(reverse("caseload"))["Content-Security-Policy"]


def test_login_page_has_csp_too(client):
    assert "'nonce-" in client.get(reverse("login"))["Content-Security-Policy"]


def test_templates_have_no_inline_script_style_or_handlers():
    """Strict CSP would block them: scripts go to static/js/, styles to static/css/."""
    offending = []
    pattern = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+\s*=|javascript:", re.I)
    for path in (ROOT / "templates").rglob("*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line) and "application/json" not in line:
                offending.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offending, "\n".join(offending)


@pytest.mark.parametrize("persona", [None, "handledare_a"])
def test_every_page_is_no_store(client, persona, request):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    for name in ("login", "start"):
        assert "no-store" in client.get(reverse(name))["Cache-Control"]


def test_no_store_replaces_a_views_own_cache_header():
    def view(request):
        response = HttpResponse("fil")
        response["Cache-Control"] = "public, max-age=3600"
        return response

    response = NoStoreMiddleware(view)(RequestFactory().get("/"))
    assert "no-store" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_calendar_feed_by_token_is_no_store(client, handledare_a):
    from modules import services

    token = services.calendar_feed_create(by=handledare_a)
    response = client.get(reverse("modules:calendar_ics", kwargs={"token": token}))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_plain_http_cookie_names_in_tests(client, handledare_a):
    """Over plain HTTP a browser would drop __Host- cookies, so the usual names are used."""
    assert "csrftoken" in client.get(reverse("login")).cookies
    client.force_login(handledare_a)
    assert "sessionid" in client.cookies


def _production_settings(**extra_env):
    """config.settings as production loads it (DEBUG off, no overrides but `extra_env`), in a
    fresh process."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SECURE_", "SESSION_", "CSRF_", "REQUIRE_", "DJANGO_", "BEHIND_"))
    }
    env.update(
        **extra_env,
        DEBUG="false",
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="finsam.example.se",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    names = [
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_NAME",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_NAME",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_PATH",
        "SESSION_COOKIE_DOMAIN",
        "REQUIRE_2FA",
        "SESSION_IDLE_TIMEOUT",
        "SESSION_ABSOLUTE_TIMEOUT",
        "SECURE_PROXY_SSL_HEADER",
    ]
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter and a fixed snippet
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_production_settings_are_strict():
    prod = _production_settings()
    assert prod["SECURE_HSTS_SECONDS"] >= 31536000
    assert prod["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert prod["SECURE_SSL_REDIRECT"] is True
    assert prod["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert prod["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    assert prod["SESSION_COOKIE_SECURE"] and prod["CSRF_COOKIE_SECURE"]
    # __Host- cookies must have Path=/ and no Domain, or browsers drop them.
    assert prod["SESSION_COOKIE_PATH"] == "/" and prod["SESSION_COOKIE_DOMAIN"] is None
    assert prod["REQUIRE_2FA"] is True
    assert prod["SESSION_IDLE_TIMEOUT"] == 30 * 60
    assert prod["SESSION_ABSOLUTE_TIMEOUT"] == 10 * 60 * 60
    # Anyone can send X-Forwarded-Proto: it counts only when a proxy in front sets it.
    assert prod["SECURE_PROXY_SSL_HEADER"] is None


def test_behind_a_tls_proxy_the_forwarded_proto_header_counts():
    prod = _production_settings(BEHIND_TLS_PROXY="true")
    assert prod["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_a_forwarded_proto_header_over_plain_http_gets_no_hsts(client, settings):
    """With no proxy configured, a client's own X-Forwarded-Proto: https does not make a plain
    HTTP request secure: no HSTS, no secure-only behaviour."""
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response


def test_with_a_tls_proxy_its_forwarded_proto_header_gets_hsts(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https")
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in client.get(reverse("login"))


def test_hsts_and_host_cookies_over_https(client, handledare_a, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    from tests.factories import PASSWORD

    response = client.post(
        reverse("login"), {"username": "hanna", "password": PASSWORD}, secure=True
    )
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = response.cookies["__Host-sessionid"]
    assert cookie["secure"] and cookie["httponly"] and cookie["path"] == "/"
    assert not cookie["domain"]
