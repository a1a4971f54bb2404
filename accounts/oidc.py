"""Log-in through the municipality's identity provider (OpenID Connect, mozilla-django-oidc).

Authorization code flow with PKCE (S256), state and nonce. The endpoints come from the issuer's
discovery document, fetched at the first use and kept for DISCOVERY_SECONDS. The ID token is
checked here in full (signature, issuer, audience, expiry; mozilla-django-oidc checks only the
signature and the nonce). A person is matched by OIDC_USER_CLAIM to an existing, active user's
OIDC_USER_FIELD; nobody is ever created. A refusal is logged and shown on the log-in page in
Swedish (`LoginRefused`).
"""

import logging
import time
from urllib.parse import urlencode, urlsplit

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from accounts.backends import AccountBackend

logger = logging.getLogger(__name__)

DISCOVERY_SECONDS = 60 * 60
# Seconds of clock difference accepted between the provider and this server.
LEEWAY_SECONDS = 60

UNAVAILABLE = "Kommunens identitetstjänst svarar inte just nu. Försök igen om en stund."
REFUSED_ANSWER = (
    "Inloggningen kunde inte godkännas: svaret från identitetstjänsten var inte giltigt. "
    "Försök igen."
)
# mozilla-django-oidc's settings names for the endpoints, filled from discovery.
_ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",  # nosec B105 (a discovery key)
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}

_discovered: dict[str, tuple[float, dict]] = {}


class LoginRefused(Exception):
    """A log-in the provider vouched for (or tried to) that this system refuses. `message` is
    shown to the person; `reason` goes to the log."""

    def __init__(self, message: str, reason: str):
        super().__init__(reason)
        self.message = message
        self.reason = reason


class ProviderUnavailable(Exception):
    pass


def enabled() -> bool:
    return bool(getattr(settings, "OIDC_ENABLED", False))


def discovery() -> dict:
    """The issuer's /.well-known/openid-configuration, checked to name the same issuer."""
    issuer = settings.OIDC_ISSUER
    cached = _discovered.get(issuer)
    if cached is not None and time.monotonic() - cached[0] < DISCOVERY_SECONDS:
        return cached[1]
    try:
        response = requests.get(
            f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT
        )
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("OIDC: discovery document from %s could not be read: %s", issuer, exc)
        raise ProviderUnavailable(str(exc)) from exc
    if str(document.get("issuer", "")).rstrip("/") != issuer or not all(
        document.get(key) for key in ("authorization_endpoint", "token_endpoint", "jwks_uri")
    ):
        logger.warning("OIDC: discovery document from %s names another issuer or lacks endpoints")
        raise ProviderUnavailable("discovery document invalid")
    _discovered[issuer] = (time.monotonic(), document)
    return document


def _get_settings(attr, *args):
    if attr in _ENDPOINTS:
        return discovery().get(_ENDPOINTS[attr])
    if args:
        return getattr(settings, attr, args[0])
    return getattr(settings, attr)


def provider_reported_mfa(claims: dict) -> bool:
    if settings.OIDC_MFA_ALWAYS:
        return True
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    if set(amr) & set(settings.OIDC_MFA_AMR):
        return True
    return bool(claims.get("acr")) and claims.get("acr") in settings.OIDC_MFA_ACR


def logout_origin() -> str | None:
    """The origin of the provider's end_session_endpoint: the log-out form posts to us and we
    redirect there, which the Content-Security-Policy's form-action must allow."""
    try:
        endpoint = discovery().get("end_session_endpoint")
    except ProviderUnavailable:
        return None
    if not endpoint:
        return None
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def end_session_url(*, id_token: str | None, post_logout_redirect_uri: str) -> str | None:
    """The provider's RP-initiated log-out address, where its discovery document has one."""
    try:
        endpoint = discovery().get("end_session_endpoint")
    except ProviderUnavailable:
        return None
    if not endpoint:
        return None
    params = {"client_id": settings.OIDC_CLIENT_ID}
    if id_token:
        params["id_token_hint"] = id_token
    params["post_logout_redirect_uri"] = post_logout_redirect_uri
    separator = "&" if "?" in endpoint else "?"
    return f"{endpoint}{separator}{urlencode(params)}"


class OIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, configured lazily (discovery happens at a log-in, not
    when Django loads the backend for every authenticate call), with the full ID token check
    and matching to existing users only."""

    def __init__(self, *args, **kwargs):
        self.UserModel = get_user_model()

    get_settings = staticmethod(_get_settings)

    # The attributes mozilla-django-oidc's methods read, resolved when they are read.
    OIDC_OP_TOKEN_ENDPOINT = property(lambda self: _get_settings("OIDC_OP_TOKEN_ENDPOINT"))
    OIDC_OP_USER_ENDPOINT = property(lambda self: _get_settings("OIDC_OP_USER_ENDPOINT"))
    OIDC_OP_JWKS_ENDPOINT = property(lambda self: _get_settings("OIDC_OP_JWKS_ENDPOINT"))
    OIDC_RP_CLIENT_ID = property(lambda self: settings.OIDC_CLIENT_ID)
    OIDC_RP_CLIENT_SECRET = property(lambda self: settings.OIDC_CLIENT_SECRET)
    OIDC_RP_SIGN_ALGO = property(lambda self: settings.OIDC_RP_SIGN_ALGO)
    OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request, **kwargs):
        if not enabled() or request is None or "code" not in request.GET:
            return None
        return super().authenticate(request, **kwargs)

    def get_payload_data(self, token, key):
        """The ID token's claims after checking signature, algorithm, issuer, audience and
        expiry. Never an unsigned token."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise LoginRefused(REFUSED_ANSWER, f"unreadable ID token: {exc}") from exc
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise LoginRefused(REFUSED_ANSWER, f"ID token signed with {header.get('alg')!r}")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=settings.OIDC_CLIENT_ID,
                issuer=discovery()["issuer"],
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise LoginRefused(REFUSED_ANSWER, "ID token expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise LoginRefused(REFUSED_ANSWER, "ID token for another audience") from exc
        except jwt.InvalidTokenError as exc:
            raise LoginRefused(REFUSED_ANSWER, f"ID token invalid: {exc}") from exc
        audience = claims["aud"]
        several = isinstance(audience, list) and len(audience) > 1
        if several and claims.get("azp") != settings.OIDC_CLIENT_ID:
            raise LoginRefused(REFUSED_ANSWER, "ID token for several audiences without azp")
        return claims

    def verify_token(self, token, **kwargs):
        try:
            return super().verify_token(token, **kwargs)
        except SuspiciousOperation as exc:  # nonce, or no matching key
            raise LoginRefused(REFUSED_ANSWER, str(exc)) from exc

    def store_tokens(self, access_token, id_token):
        """Nothing in the session yet: django.contrib.auth.login may replace the session, so
        the ID token (for the log-out) is kept on the user and stored after it
        (accounts.sessions)."""
        self._id_token = id_token

    def get_or_create_user(self, access_token, id_token, payload):
        claims = dict(payload)
        claim = settings.OIDC_USER_CLAIM
        if not claims.get(claim) and self.OIDC_OP_USER_ENDPOINT:
            userinfo = self.get_userinfo(access_token, id_token, payload)
            if userinfo.get("sub") == claims["sub"] and userinfo.get(claim):
                claims[claim] = userinfo[claim]
        value = claims.get(claim)
        if not isinstance(value, str) or not value.strip():
            raise LoginRefused(
                "Identitetstjänsten skickade inte vem du är. Kontakta din enhetschef.",
                f"no {claim!r} claim for sub {claims['sub']!r}",
            )
        field = settings.OIDC_USER_FIELD
        users = list(self.UserModel._default_manager.filter(**{f"{field}__iexact": value})[:2])
        if len(users) != 1 or not self.user_can_authenticate(users[0]):
            raise LoginRefused(
                "Du har inget konto i Finsam ärendehantering. Be din enhetschef att lägga upp "
                "ett konto åt dig.",
                f"{'several users' if len(users) > 1 else 'no active user'} with "
                f"{field} = {claim} {value!r}",
            )
        user = users[0]
        user.oidc_mfa = provider_reported_mfa(claims)
        user.oidc_logout_origin = logout_origin()
        user.oidc_id_token = getattr(self, "_id_token", None)
        return user

    def get_user(self, user_id):
        return AccountBackend().get_user(user_id)


class LoginStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider (state, nonce and PKCE kept in the session)."""

    get_settings = staticmethod(_get_settings)

    def __init__(self, *args, **kwargs):
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    @property
    def OIDC_RP_CLIENT_ID(self):
        return settings.OIDC_CLIENT_ID

    @property
    def OIDC_OP_AUTH_ENDPOINT(self):
        return _get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")

    def get(self, request):
        if not enabled():
            raise Http404
        try:
            return super().get(request)
        except ProviderUnavailable:
            messages.error(request, UNAVAILABLE)
            return redirect("login")


class LoginCallbackView(OIDCAuthenticationCallbackView):
    """The provider's answer. Every way it can fail ends on the log-in page with a Swedish
    message and a line in the log; a state that is unknown or already used is refused before
    any token is asked for."""

    get_settings = staticmethod(_get_settings)

    def get(self, request):
        if not enabled():
            raise Http404
        state = request.GET.get("state")
        if request.GET.get("error"):
            logger.warning("OIDC: the provider answered %r", request.GET.get("error")[:100])
            # The state is used up by the failure too, so the answer cannot be replayed.
            if request.session.get("oidc_states", {}).pop(state, None) is not None:
                request.session.modified = True
            return _refused(request, "Inloggningen avbröts hos identitetstjänsten.")
        if "code" not in request.GET or state not in request.session.get("oidc_states", {}):
            logger.warning("OIDC: callback with an unknown or already used state refused")
            return _refused(
                request,
                "Inloggningen kunde inte slutföras: svaret hörde inte till en påbörjad "
                "inloggning i den här webbläsaren eller har redan använts. Försök igen.",
            )
        try:
            issuer = request.GET.get("iss")
            if issuer is not None and issuer != discovery()["issuer"]:
                # RFC 9207: an answer from another provider than the one asked (mix-up).
                request.session["oidc_states"].pop(state, None)
                request.session.modified = True
                raise LoginRefused(REFUSED_ANSWER, f"authorization response from {issuer[:100]!r}")
            return super().get(request)
        except LoginRefused as refusal:
            logger.warning("OIDC: log-in refused: %s", refusal.reason)
            return _refused(request, refusal.message)
        except requests.HTTPError as exc:
            logger.warning("OIDC: the token endpoint refused: %s", exc)
            return _refused(request, REFUSED_ANSWER)
        except (ProviderUnavailable, requests.RequestException) as exc:
            logger.warning("OIDC: the provider could not be reached: %s", exc)
            return _refused(request, UNAVAILABLE)

    def login_failure(self):
        logger.warning("OIDC: log-in failed")
        return _refused(self.request, "Inloggningen misslyckades. Försök igen.")


def _refused(request, message):
    messages.error(request, message)
    return redirect("login")
