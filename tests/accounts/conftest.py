import pytest
from django.urls import reverse
from django_otp.oath import totp

from tests.factories import PASSWORD


def post_login(client, username, password=PASSWORD, ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def current_code(device) -> str:
    """The code the user's app shows right now (RFC 6238, as django-otp computes it)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@pytest.fixture
def require_2fa(settings):
    settings.REQUIRE_2FA = True
    # No waiting between tries in tests that type a wrong code first; the throttling test
    # sets the factor back.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    return settings
