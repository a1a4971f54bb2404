"""Authentication backends: django-axes' lock-out check and Django's ModelBackend (the log-in
through the identity provider is accounts.oidc.OIDCBackend)."""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a log-in while its user name + IP pair is locked out.

    Every web log-in (our log-in page, Django admin's) passes the request. A call without one
    comes from code, such as the test client's `login()` or a shell: it has no client address
    to lock and is left to the next backend instead of raising, as plain AxesStandaloneBackend
    would."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


# Set on the request when the password was right but PASSWORD_LOGIN refuses it for this user,
# so that the log-in form can say why (only after a correct password: no user enumeration).
REFUSED_BY_LOGIN_POLICY = "accounts_refused_by_login_policy"


def password_login_for_all() -> bool:
    """PASSWORD_LOGIN is "all" (the other mode, "superusers", is break-glass only)."""
    return settings.PASSWORD_LOGIN == "all"  # noqa: S105  # nosec B105 (a mode's name)


def password_login_allowed(user) -> bool:
    return password_login_for_all() or user.is_superuser


class AccountBackend(ModelBackend):
    """ModelBackend whose per-request user lookup also fetches the session generation in the
    same query (a LEFT JOIN), for the "log out everywhere" check. A password log-in is refused
    where PASSWORD_LOGIN turns it off, on every log-in page (ours and Django admin's)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and not password_login_allowed(user):
            if request is not None:
                setattr(request, REFUSED_BY_LOGIN_POLICY, True)
            return None
        return user

    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("account_security").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
