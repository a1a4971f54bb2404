"""Settings for the Finsam case-management system.

One file, read through django-environ. Laptop-safe defaults (SQLite file in the project
folder, DEBUG off unless asked); no secret default when DEBUG is off.
"""

from datetime import timedelta
from pathlib import Path

import csp.constants as csp
import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env is convenient on a laptop; production sets real environment variables.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core ---------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY måste sättas när DEBUG är av.")
    # A fixed key only with DEBUG on (refused above otherwise), never in production.
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"  # noqa: S105  # nosec B105
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "rehab",
    "referrals",
    "modules",
    "reporting",
    "privacy",
    "accounts",
    "questionnaires",
    "jobs",
    "ops",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Replaces the data version after every request that may write (rehab/freshness.py).
    "config.middleware.DataVersionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages: a time-out logs out with a message; before the views: 2FA gates them.
    "accounts.middleware.SessionSecurityMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    # After the gates: a session in hand-over mode opens the questionnaire only.
    "questionnaires.middleware.HandoverLockMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.NoStoreMiddleware",
    # Last, as django-axes asks: turns a locked-out log-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# The retention purge's own credential (PostgreSQL, README "PostgreSQL"): the only role that may
# delete from the access log. Set it for `manage.py purge` alone, not for the web app.
if env.str("PURGE_DATABASE_URL", default=""):
    DATABASES["purge"] = env.db("PURGE_DATABASE_URL")
    DATABASES["purge"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["privacy.gate.PurgeRouter"]
for _database in DATABASES.values():
    _database["ATOMIC_REQUESTS"] = False
    if _database["ENGINE"] in (
        "django.db.backends.postgresql",
        "django.contrib.gis.db.backends.postgis",
    ) and not env.bool("POSTGRES_JIT", default=False):
        # PostgreSQL's JIT compiler starts on queries it estimates as expensive, such as the
        # board's grouped counts over a whole förbund, and spends longer compiling them than
        # they take to run: off for this application's connections (BENCHMARKS.md,
        # 2026-12-01). Behind PgBouncer, which refuses the `options` start-up parameter, set
        # POSTGRES_JIT=true and turn it off for the role instead: ALTER ROLE … SET jit = off.
        _options = _database.setdefault("OPTIONS", {})
        _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
    if _database["ENGINE"] in (
        "django.db.backends.postgresql",
        "django.contrib.gis.db.backends.postgis",
    ) and not env.bool("POSTGRES_PARALLEL", default=False):
        # Nor parallel workers: this application's queries are short, and at 300 000
        # participants the planner chose to walk the caseload's name index with two workers,
        # whose start-up alone took 60 of its 70 ms (19 ms without; BENCHMARKS.md,
        # 2026-12-04); the board's and dashboards' reads were no slower without them.
        # POSTGRES_PARALLEL=true leaves the server's setting (or the role's) as it is.
        _options = _database.setdefault("OPTIONS", {})
        _options["options"] = (
            f"{_options.get('options', '')} -c max_parallel_workers_per_gather=0".strip()
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Caches ---------------------------------------------------------------------------------
# `read_models` holds the dashboards' figures and the caseload's result lists under the data
# version (rehab/freshness.py). It is local to each process on purpose: the caseload holds
# names, which must not travel to a shared cache server. Entries expire after
# READ_MODEL_CACHE_SECONDS at the latest (the bound for changes made outside the application).
READ_MODEL_CACHE_SECONDS = env.int("READ_MODEL_CACHE_SECONDS", default=600)
# How long an uploaded import waits for its confirmation (reporting/pending.py).
PENDING_IMPORT_MINUTES = env.int("PENDING_IMPORT_MINUTES", default=30)
# A confirmed import of more rows than this runs as a job in the worker (reporting/imports/job.py).
IMPORT_JOB_ROWS = env.int("IMPORT_JOB_ROWS", default=1000)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "read_models": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "read-models",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}

# --- Authentication -----------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out user name + IP before any password is checked.
    "accounts.backends.LockoutBackend",
    # ModelBackend that also loads the user's session generation (log out everywhere).
    "accounts.backends.AccountBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "login"

# Lock-out (django-axes) by the pair user name + IP, so failures from a stranger's address
# never lock the real user out. Behind a reverse proxy, set AXES_PROXY_COUNT to the number of
# proxies so the client address comes from X-Forwarded-For and not from the proxy.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout"
if env.int("AXES_PROXY_COUNT", default=0):
    AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT")
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

# Two-factor log-in (django-otp): TOTP app plus single-use recovery codes. Required for team
# roles (handledare, enhetschef) and Django staff; optional for förbund and styrgrupp.
REQUIRE_2FA = env.bool("REQUIRE_2FA", default=True)
OTP_TOTP_ISSUER = "Finsam"
# Django admin never shows a device's secret or QR code (a lost phone: delete the device).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
RECOVERY_CODE_COUNT = 10

# --- Log-in through the municipality's identity provider (OpenID Connect) ----------------
# README "Inloggning med kommunens identitetstjänst". Off unless issuer, client id and secret
# are all set; then the log-in page has no button for it. The endpoints come from the
# issuer's discovery document (accounts/oidc.py), fetched at the first log-in, not here.
OIDC_ISSUER = env.str("OIDC_ISSUER", default="").rstrip("/")
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_ENABLED = bool(OIDC_ISSUER and OIDC_CLIENT_ID and OIDC_CLIENT_SECRET)
OIDC_SCOPES = env.str("OIDC_SCOPES", default="openid email profile")
# The claim that names the person, matched (case ignored) to this field of an existing user:
# "email" or "username". Users are never created from a log-in.
OIDC_USER_CLAIM = env.str("OIDC_USER_CLAIM", default="email")
OIDC_USER_FIELD = env.str("OIDC_USER_FIELD", default="email")
if OIDC_USER_FIELD not in ("email", "username"):
    raise ImproperlyConfigured("OIDC_USER_FIELD ska vara email eller username.")
# `amr` values, or `acr` values, that mean the provider did multi-factor authentication: then
# the local TOTP step is skipped.
OIDC_MFA_AMR = env.list("OIDC_MFA_AMR", default=["mfa"])
OIDC_MFA_ACR = env.list("OIDC_MFA_ACR", default=[])
# For a provider that enforces MFA for this application itself but reports it in no claim
# (Microsoft Entra ID's v2.0 ID tokens have no amr; a Conditional Access policy requires MFA):
# every log-in through it counts as multi-factor.
OIDC_MFA_ALWAYS = env.bool("OIDC_MFA_ALWAYS", default=False)
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT_SECONDS", default=10)
# mozilla-django-oidc's own settings, from ours.
OIDC_RP_CLIENT_ID = OIDC_CLIENT_ID
OIDC_RP_CLIENT_SECRET = OIDC_CLIENT_SECRET
OIDC_RP_SCOPES = OIDC_SCOPES
OIDC_RP_SIGN_ALGO = env.str("OIDC_SIGN_ALGO", default="RS256")
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_USE_NONCE = True
OIDC_CREATE_USER = False
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_callback"
# Local password log-in: "all", or "superusers" (break-glass only; everyone else logs in
# through the identity provider).
PASSWORD_LOGIN = env.str("PASSWORD_LOGIN", default="all")
if PASSWORD_LOGIN not in ("all", "superusers"):
    raise ImproperlyConfigured("PASSWORD_LOGIN ska vara all eller superusers.")
if PASSWORD_LOGIN != "all" and not OIDC_ENABLED:  # noqa: S105  # nosec B105 (a mode)
    raise ImproperlyConfigured(
        "PASSWORD_LOGIN=superusers kräver OIDC_ISSUER, OIDC_CLIENT_ID och OIDC_CLIENT_SECRET."
    )
# Last: it answers only the identity provider's callback.
AUTHENTICATION_BACKENDS.append("accounts.oidc.OIDCBackend")

# Sessions end after SESSION_IDLE_TIMEOUT seconds without a request and, at the latest,
# SESSION_ABSOLUTE_TIMEOUT seconds after log-in (accounts.middleware).
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=10 * 60 * 60)

# --- Language and time --------------------------------------------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Stockholm")
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
# Serve from the finders when no collectstatic has run (laptop, tests); production collects.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)
WHITENOISE_AUTOREFRESH = DEBUG

# --- Forms --------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security -----------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
# X-Forwarded-Proto says a request came over HTTPS only when a TLS-terminating proxy in front
# of the app sets it (and drops a client's own): anyone can send the header. Without a proxy,
# Django sees real HTTPS only, so HSTS and secure-only behaviour follow the real connection.
# Behind such a proxy the setting is needed, or SECURE_SSL_REDIRECT redirects in a loop.
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# The stored session outlives no absolute time-out; the middleware enforces both time-outs.
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"
# A __Host- cookie is only accepted over HTTPS, with Path=/ and no Domain: it cannot be set
# by a sibling subdomain. Over plain HTTP (tests, laptop) the ordinary names are used.
SESSION_COOKIE_NAME = "__Host-sessionid" if SESSION_COOKIE_SECURE else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if CSRF_COOKIE_SECURE else "csrftoken"

# Content-Security-Policy (django-csp): no inline script or style, no plugins, no framing.
# The one script tag carries the request's nonce; scripts live in static/js/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF],
        # Bootstrap's CSS draws form-validation and select icons as data: SVG images; an
        # image cannot run script, so data: stays limited to img-src.
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.NONE],
        "frame-ancestors": [csp.NONE],
        "form-action": [csp.SELF],
    },
}

# --- Background work and e-mail -------------------------------------------------------------
# The task queue is a table in the application's own database (django-tasks' database backend,
# README "Drift"): no broker to run. `manage.py db_worker` runs the jobs; a job's result file
# is kept in the database, for the user who asked only, for at most JOB_RESULT_HOURS.
# The purge has its own queue, for the one worker that holds the purge credential.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "purge"]}}
JOB_RESULT_HOURS = env.int("JOB_RESULT_HOURS", default=24)
# The health endpoint (/halsa/) answers 503 when a job has waited longer than this: no worker.
HEALTH_QUEUE_MAX_WAIT_SECONDS = env.int("HEALTH_QUEUE_MAX_WAIT_SECONDS", default=600)
# SMTP from the environment: EMAIL_URL (smtp://user:password@host:587, smtp+tls://…,
# smtp+ssl://…) or the separate EMAIL_HOST, EMAIL_PORT, … settings. Without either, mail is
# written to the console (a laptop); production sets one.
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env.str(
        "EMAIL_BACKEND",
        default="django.core.mail.backends.smtp.EmailBackend"
        if env.str("EMAIL_HOST", default="")
        else "django.core.mail.backends.console.EmailBackend",
    )
    EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="finsam@localhost")
# The address the reminder's link leads to (no request to take it from in a worker).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- Logging ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A 4xx answer (403, 404) is logged as one line without its traceback; a 500 keeps it.
    "filters": {"client_error_one_line": {"()": "config.logfilters.ClientErrorWithoutTraceback"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["client_error_one_line"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# --- Privacy ------------------------------------------------------------------------------
# Access log, retention (gallring) and log masking; see README "Åtkomstlogg och granskning av
# loggen" and "Gallring". Months are counted from the exit (the row's time for the access log).
RETENTION_NOTES_MONTHS = env.int("RETENTION_NOTES_MONTHS", default=60)
RETENTION_REFERRALS_MONTHS = env.int("RETENTION_REFERRALS_MONTHS", default=60)
RETENTION_ACCESS_LOG_MONTHS = env.int("RETENTION_ACCESS_LOG_MONTHS", default=60)
RETENTION_IDENTITY_MONTHS = env.int("RETENTION_IDENTITY_MONTHS", default=60)
# Only behind a proxy that sets X-Forwarded-For itself: then its first hop is the client.
PRIVACY_TRUST_X_FORWARDED_FOR = env.bool("PRIVACY_TRUST_X_FORWARDED_FOR", default=False)
# Next to the view (before django-axes, which wants to be last): collects a request's reads
# and writes them in one INSERT.
MIDDLEWARE.insert(
    MIDDLEWARE.index("axes.middleware.AxesMiddleware")
    if "axes.middleware.AxesMiddleware" in MIDDLEWARE
    else len(MIDDLEWARE),
    "privacy.recorder.AccessLogMiddleware",
)
LOGGING.setdefault("filters", {})["mask_personnummer"] = {
    "()": "privacy.logfilter.PersonnummerMaskFilter"
}
for _handler in LOGGING["handlers"].values():
    _handler.setdefault("filters", []).append("mask_personnummer")
