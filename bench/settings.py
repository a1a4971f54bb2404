"""Production-like settings for the benchmark: DEBUG off, a throwaway key from the runner,
plain HTTP on loopback (so the session cookie is the non-`__Host-` one), no second factor
(the bench logs its users in with force_login), and the bench URLconf, which adds one trivial
view beside the product's URLs. Never used to serve anything but `make bench`."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("REQUIRE_2FA", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("CSRF_COOKIE_SECURE", "false")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
# As in tests/settings.py: no collectstatic manifest needed (the bench fetches no static file).
os.environ.setdefault(
    "STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
)
# The bench prints its own summary; request warnings (a probe's 404) are noise.
os.environ.setdefault("LOG_LEVEL", "ERROR")

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
