"""Authentication backends: django-axes' lock-out check and Django's ModelBackend."""

from axes.backends import AxesStandaloneBackend
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


class AccountBackend(ModelBackend):
    """ModelBackend whose per-request user lookup also fetches the session generation in the
    same query (a LEFT JOIN), for the "log out everywhere" check."""

    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("account_security").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
