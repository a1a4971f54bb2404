"""What a session records about its log-in, set when django.contrib.auth.login runs."""

import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in

from accounts import services
from privacy.models import LOGIN_METHOD_SESSION_KEY, LoginMethod
from rehab.models import Membership

AUTH_AT = "accounts_auth_at"  # Unix time of the log-in (absolute time-out)
SEEN_AT = "accounts_seen_at"  # Unix time of the latest request, to the minute (idle time-out)
GENERATION = "accounts_generation"  # the user's session generation at log-in
SECOND_FACTOR = "accounts_second_factor"  # True once a code is given, or when none is needed
LOGIN_METHOD = LOGIN_METHOD_SESSION_KEY  # privacy.models.LoginMethod, copied into the access log
OIDC_ID_HINT = "accounts_oidc_id_hint"  # the provider's ID token, the hint for its log-out
OIDC_LOGOUT_ORIGIN = "accounts_oidc_logout_origin"  # the provider's log-out origin, for the CSP
OIDC_BACKEND = "accounts.oidc.OIDCBackend"

# The last-seen time is rewritten at most this often, so a page view does not always save the
# session. The idle time-out is therefore exact to within a minute.
SEEN_AT_RESOLUTION = 60


def needs_second_factor(user) -> bool:
    """Anyone with an authenticator app registered uses it. With REQUIRE_2FA, team roles
    (handledare, enhetschef) and Django staff must register one; förbund and styrgrupp users
    may."""
    if services.has_confirmed_device(user):
        return True
    if not settings.REQUIRE_2FA:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return Membership.objects.filter(user=user, team__is_active=True).exists()


def mark_second_factor_given(request) -> None:
    # A new session key once the second factor is given, as at the password step.
    request.session.cycle_key()
    request.session[SECOND_FACTOR] = True


def on_user_logged_in(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None:
        return
    now = time.time()
    session[AUTH_AT] = now
    session[SEEN_AT] = now
    session[GENERATION] = services.session_generation_stored(user)
    if getattr(user, "backend", None) == OIDC_BACKEND:
        session[LOGIN_METHOD] = LoginMethod.OIDC.value
        session[OIDC_ID_HINT] = getattr(user, "oidc_id_token", None)
        session[OIDC_LOGOUT_ORIGIN] = getattr(user, "oidc_logout_origin", None)
        # The provider's multi-factor authentication (amr/acr, accounts.oidc) stands for ours.
        session[SECOND_FACTOR] = bool(getattr(user, "oidc_mfa", False)) or not (
            needs_second_factor(user)
        )
    else:
        session[LOGIN_METHOD] = LoginMethod.PASSWORD.value
        session.pop(OIDC_ID_HINT, None)
        session.pop(OIDC_LOGOUT_ORIGIN, None)
        session[SECOND_FACTOR] = not needs_second_factor(user)


def connect():
    user_logged_in.connect(on_user_logged_in, dispatch_uid="accounts_session_start")
