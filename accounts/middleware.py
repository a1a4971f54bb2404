"""Session time-outs, "log out everywhere" and the two-factor gate."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from accounts import services
from accounts.sessions import (
    AUTH_AT,
    GENERATION,
    OIDC_LOGOUT_ORIGIN,
    SECOND_FACTOR,
    SEEN_AT,
    SEEN_AT_RESOLUTION,
    needs_second_factor,
)

TIMED_OUT_IDLE = "Du har varit inaktiv för länge och har loggats ut. Logga in igen."
TIMED_OUT_ABSOLUTE = "Du har varit inloggad för länge och har loggats ut. Logga in igen."
ENDED_ELSEWHERE = "Du har loggats ut från alla enheter. Logga in igen."


class SessionSecurityMiddleware:
    """Ends a session that has been idle longer than SESSION_IDLE_TIMEOUT, that began more than
    SESSION_ABSOLUTE_TIMEOUT ago, or whose generation is older than the user's.

    Costs no query: the timestamps are in the session, and the generation comes with the user.
    The last-seen time is written at most once a minute, not on every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Before request.user is read, which may itself empty the session.
        gone = self._session_gone(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            reason = self._expired(request, user)
            if reason:
                logout(request)
                messages.warning(request, reason)
                return redirect_to_login(request.get_full_path())
        elif gone:
            # The session store keeps a session SESSION_COOKIE_AGE (= the absolute time-out)
            # after its last save, so one that has vanished under its cookie began longer ago
            # than the absolute time-out: say so, as when the check above ends it.
            messages.warning(request, TIMED_OUT_ABSOLUTE)
        response = self.get_response(request)
        self._allow_provider_logout(request, response)
        return response

    @staticmethod
    def _allow_provider_logout(request, response):
        """After a log-in through the identity provider, the log-out form on every page ends in
        a redirect to the provider (RP-initiated log-out): the Content-Security-Policy's
        form-action, 'self' only, must allow the provider's origin in those sessions."""
        session = getattr(request, "session", None)
        origin = session.get(OIDC_LOGOUT_ORIGIN) if session is not None else None
        if not origin:
            return
        update = dict(getattr(response, "_csp_update", None) or {})
        update["form-action"] = [*update.get("form-action", []), origin]
        response._csp_update = update

    @staticmethod
    def _session_gone(request) -> bool:
        """The browser sent a session cookie whose session no longer exists (expired)."""
        cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        session = getattr(request, "session", None)
        if not cookie or session is None:
            return False
        # Loading a session the store does not know (expired) drops its key.
        return not session.keys() and session.session_key is None

    @staticmethod
    def _expired(request, user) -> str | None:
        session = request.session
        now = time.time()
        auth_at = session.get(AUTH_AT)
        seen_at = session.get(SEEN_AT)
        if auth_at is None or seen_at is None:
            # A session from before these rules, or not made by django.contrib.auth.login.
            return TIMED_OUT_ABSOLUTE
        if now - auth_at > settings.SESSION_ABSOLUTE_TIMEOUT:
            return TIMED_OUT_ABSOLUTE
        if now - seen_at > settings.SESSION_IDLE_TIMEOUT:
            return TIMED_OUT_IDLE
        if session.get(GENERATION) != services.session_generation(user):
            return ENDED_ELSEWHERE
        if now - seen_at > SEEN_AT_RESOLUTION:
            session[SEEN_AT] = now
        return None


# URL names a user who still owes the second factor may open.
TWO_FACTOR_OPEN = {
    "health",
    "login",
    "logout",
    "two_factor_setup",
    "two_factor_verify",
    "recovery_codes_show",
}


class TwoFactorMiddleware:
    """Sends a logged-in user who must use two-factor log-in and has not given a code in this
    session to the set-up page (no app registered yet) or the code page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.session.get(SECOND_FACTOR):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in TWO_FACTOR_OPEN and not match.namespace:
            return None
        if not needs_second_factor(user):
            request.session[SECOND_FACTOR] = True
            return None
        target = "two_factor_verify" if services.has_confirmed_device(user) else "two_factor_setup"
        return redirect_to_login(request.get_full_path(), reverse(target))
