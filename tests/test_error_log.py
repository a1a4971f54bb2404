"""403 and 404 answers write one line to the error log, without a traceback; a 500 keeps its
traceback (issue #14)."""

import io
import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.urls import include, path, reverse

pytestmark = pytest.mark.django_db


def _forbidden(request):
    raise PermissionDenied("Bara enhetschefen får.")


def _missing(request):
    raise Http404("Finns inte.")


def _crash(request):
    raise RuntimeError("trasigt")


urlpatterns = [
    path("forbidden/", _forbidden),
    path("missing/", _missing),
    path("crash/", _crash),
    path("", include("config.urls")),  # the error pages link to the start page
]


@pytest.fixture
def error_log():
    """What the configured console handler writes (not pytest's capture handlers)."""
    ours = [
        h for h in logging.getLogger().handlers if not type(h).__module__.startswith("_pytest")
    ]
    console = ours[0]
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        yield stream
    finally:
        console.setStream(previous)


def _lines(stream):
    return [line for line in stream.getvalue().splitlines() if line.strip()]


@pytest.mark.urls("tests.test_error_log")
@pytest.mark.parametrize(
    ("url", "status", "line"),
    [
        ("/forbidden/", 403, "Forbidden (Permission denied): /forbidden/"),
        ("/missing/", 404, "Not Found: /missing/"),
        ("/no/such/page/", 404, "Not Found: /no/such/page/"),
        ("/missing/%0Aforged", 404, None),
    ],
)
def test_client_errors_log_one_line_without_traceback(client, error_log, url, status, line):
    response = client.get(url)
    assert response.status_code == status
    lines = _lines(error_log)
    assert len(lines) <= 1, lines
    assert "Traceback" not in error_log.getvalue()
    if line is not None:
        assert lines == [line]


@pytest.mark.urls("tests.test_error_log")
def test_server_error_keeps_its_traceback(error_log):
    client = Client(raise_request_exception=False)
    response = client.get("/crash/")
    assert response.status_code == 500
    text = error_log.getvalue()
    assert "Internal Server Error: /crash/" in text
    assert "Traceback" in text and "RuntimeError: trasigt" in text


def test_refused_pages_of_the_app_log_no_traceback(client, error_log, forbund_user, handledare_b):
    client.force_login(forbund_user)
    assert client.get(reverse("referral_list")).status_code == 403
    client.force_login(handledare_b)
    assert client.get(reverse("referral_detail", args=[999999])).status_code == 404
    assert "Traceback" not in error_log.getvalue()
    assert len(_lines(error_log)) == 2
