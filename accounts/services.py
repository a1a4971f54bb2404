"""Writes of the accounts app: two-factor devices, recovery codes and session generations."""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccountSecurity
from rehab.audit import record

TOTP_NAME = "Autentiseringsapp"
RECOVERY_NAME = "Reservkoder"


def session_generation(user) -> int:
    """The user's current generation: from the row loaded with the user, else one query."""
    try:
        security = user.account_security
    except AccountSecurity.DoesNotExist:
        return 0
    return security.session_generation


def session_generation_stored(user) -> int:
    """The generation in the database now (at log-in; the user object may be an old one)."""
    stored = (
        AccountSecurity.objects.filter(user_id=user.pk)
        .values_list("session_generation", flat=True)
        .first()
    )
    return stored or 0


def sessions_end_all(*, user) -> int:
    """Ends every session of `user` by moving their session generation on (one UPDATE; the
    session table is never scanned). Returns the new generation."""
    with transaction.atomic():
        security, _ = AccountSecurity.objects.select_for_update().get_or_create(user=user)
        AccountSecurity.objects.filter(pk=security.pk).update(
            session_generation=F("session_generation") + 1, sessions_ended_at=timezone.now()
        )
        security.refresh_from_db()
        record(user=user, action="sessions_end_all", obj=security, object_type="account")
    return security.session_generation


def totp_device_pending(*, user) -> TOTPDevice:
    """The user's unconfirmed TOTP device, created on first use: its secret stays the same
    while the set-up page is reloaded, so a scanned QR code keeps working."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def has_confirmed_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_device_confirm(*, user, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirms the set-up with a code from the app. Returns new recovery codes, or None when
    the code is wrong."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
        if not device.verify_token(token):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # Any other app registered earlier stops working: one device per user.
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        codes = _new_recovery_codes(user)
        record(user=user, action="two_factor_enabled", obj=device, object_type="account")
    return codes


def recovery_codes_regenerate(*, user) -> list[str]:
    """Replaces the user's recovery codes; the old ones stop working at once."""
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        record(user=user, action="recovery_codes_regenerated", object_type="account")
    return codes


def _new_recovery_codes(user) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@dataclass
class Verification:
    ok: bool
    used_recovery_code: bool = False
    throttled: bool = False


def two_factor_verify(*, user, token: str) -> Verification:
    """Checks a code from the app, or else a recovery code (which is then used up). Wrong codes
    slow further tries down (django-otp's throttling doubles the wait after each failure)."""
    token = "".join(token.split()).lower()
    if not token or len(token) > 16:
        return Verification(ok=False)
    throttled = False
    with transaction.atomic():
        # TOTP codes are six digits; recovery codes are eight base-32 characters.
        if len(token) == 6 and token.isdigit():
            devices = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
        else:
            devices = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
        for device in devices:
            allowed, _ = device.verify_is_allowed()
            if not allowed:
                throttled = True
                continue
            if device.verify_token(token):
                used_recovery = isinstance(device, StaticDevice)
                if used_recovery:
                    record(user=user, action="recovery_code_used", object_type="account")
                return Verification(ok=True, used_recovery_code=used_recovery)
    return Verification(ok=False, throttled=throttled)
