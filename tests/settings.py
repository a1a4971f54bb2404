"""Test settings: the production settings with the environment a test run needs.

Tests run with DEBUG off, as production does, over plain HTTP on localhost."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("CSRF_COOKIE_SECURE", "false")
os.environ.setdefault(
    "STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
)

from config.settings import *  # noqa: F403

ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

# Two-factor log-in is on in production; most tests log users in with force_login and test
# other things. tests/accounts turns it on with the `settings` fixture.
REQUIRE_2FA = False

# PostgreSQL with separated roles (README, "PostgreSQL"; .ci/run): the suite connects as the
# application role (DATABASE_URL) and the purge as the purge role (PURGE_DATABASE_URL); the
# test databases are created and migrated as the owner (tests/conftest.py), and `flush` empties
# them as the owner (privacy/management/commands/flush.py). Never set on an application server.
if os.environ.get("DATABASE_OWNER_URL"):
    DATABASE_OWNER = env.db("DATABASE_OWNER_URL")  # noqa: F405
