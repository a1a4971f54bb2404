"""The project's own Swedish error pages, the demo served without Django's debug pages, and
the favicon.

The suite runs with DEBUG off (tests/settings.py), as `make run` now does."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import BadRequest, PermissionDenied
from django.templatetags.static import static
from django.test import override_settings
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns

ROOT = Path(__file__).resolve().parents[1]


def _bad_request(request):
    raise BadRequest


def _forbidden(request):
    raise PermissionDenied


def _boom(request):
    raise RuntimeError("a bug")


urlpatterns = [
    *project_urlpatterns,
    path("test-400/", _bad_request),
    path("test-403/", _forbidden),
    path("test-500/", _boom),
]


def _assert_swedish_error_page(response, status, heading):
    body = response.content.decode()
    assert response.status_code == status
    assert '<html lang="sv">' in body
    assert f"<h1>{heading}</h1>" in body
    assert 'href="/">Till startsidan</a>' in body
    # Not Django's debug or default pages: no URL list, no English.
    for english in ("Page not found", "URLconf", "Server Error", "Bad Request", "Forbidden"):
        assert english not in body


@pytest.mark.parametrize("logged_in", [False, True])
def test_a_wrong_url_answers_the_swedish_404_page(client, handledare_a, settings, logged_in):
    assert settings.DEBUG is False
    if logged_in:
        client.force_login(handledare_a)
    _assert_swedish_error_page(client.get("/finns-inte/"), 404, "Sidan finns inte")


@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize(
    ("url", "status", "heading"),
    [
        ("/test-400/", 400, "Felaktig förfrågan"),
        ("/test-403/", 403, "Åtkomst nekad"),
        ("/test-500/", 500, "Något gick fel"),
    ],
)
def test_the_other_error_pages_are_swedish(client, handledare_a, url, status, heading):
    client.raise_request_exception = False
    client.force_login(handledare_a)
    _assert_swedish_error_page(client.get(url), status, heading)


def _make_recipe(target: str) -> str:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{target}:.*?\n((?:\t.*\n)+)", makefile, flags=re.MULTILINE)
    assert match, f"no {target} target"
    return match.group(1)


def test_make_run_serves_the_demo_with_debug_off_over_plain_http():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = _make_recipe("run")
    assert "DEBUG=true" not in recipe
    assert "$(DEMO_ENV)" in recipe
    assert "collectstatic --noinput" in recipe
    demo_env = re.search(r"^DEMO_ENV :=((?:.*\\\n)*.*)$", makefile, flags=re.MULTILINE).group(1)
    for setting in (
        "DEBUG=false",
        "SECRET_KEY=$(shell",
        "SECURE_SSL_REDIRECT=false",
        "SESSION_COOKIE_SECURE=false",
        "CSRF_COOKIE_SECURE=false",
        "SECURE_HSTS_SECONDS=0",
        "REQUIRE_2FA=false",
    ):
        assert setting in demo_env


@pytest.mark.parametrize("logged_in", [False, True])
def test_favicon_ico_answers_and_the_pages_link_the_svg_icon(client, handledare_a, logged_in):
    if logged_in:
        client.force_login(handledare_a)
    response = client.get("/favicon.ico")
    assert response.status_code in (301, 302)
    assert response["Location"] == static("favicon.svg")
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"].startswith("image/svg+xml")
    body = client.get("/logga-in/" if not logged_in else "/").content.decode()
    assert f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">' in body
