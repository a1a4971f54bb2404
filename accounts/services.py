"""Writes of the accounts app: two-factor devices, recovery codes and session generations."""

import math
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccountPreferences, AccountSecurity, ActivationCode
from rehab.access import get_access
from rehab.audit import record
from rehab.models import Membership

TOTP_NAME = "Autentiseringsapp"
RECOVERY_NAME = "Reservkoder"

ACTIVATION_CODE_HOURS = 72
# Twelve characters without look-alikes (0/O, 1/I/L): 60 bits, typed from a note or a phone.
ACTIVATION_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ACTIVATION_LENGTH = 12


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


def wants_deadline_reminders(user) -> bool:
    preferences = AccountPreferences.objects.filter(user=user).first()
    return preferences.deadline_reminders if preferences else True


def deadline_reminders_set(*, user, on: bool) -> None:
    """Turns the user's daily deadline e-mail on or off (Mitt konto)."""
    with transaction.atomic():
        preferences, _ = AccountPreferences.objects.update_or_create(
            user=user, defaults={"deadline_reminders": on}
        )
        record(user=user, action="deadline_reminders_set", obj=preferences, object_type="account")


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


def wait_seconds(device) -> int | None:
    """Seconds until django-otp's throttling lets `device` check a code again, else None."""
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (info or {}).get("locked_until")
    if locked_until is None:
        return 1
    return max(1, math.ceil((locked_until - timezone.now()).total_seconds()))


@dataclass
class SetUp:
    codes: list[str] | None = None  # the new recovery codes once the app is confirmed
    wait: int | None = None  # throttled: seconds to wait before the next try
    activation_invalid: bool = False  # the activation code expired or was used meanwhile


def totp_device_confirm(
    *, user, device: TOTPDevice, token: str, activation: ActivationCode
) -> SetUp:
    """Confirms the set-up with a code from the app, and uses up the activation code that let
    the user see the secret. Any app registered earlier stops working."""
    with transaction.atomic():
        activation = (
            _valid_activation_codes(user).select_for_update().filter(pk=activation.pk).first()
        )
        if activation is None:
            return SetUp(activation_invalid=True)
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
        wait = wait_seconds(device)
        if wait is not None:
            return SetUp(wait=wait)
        if not device.verify_token(token):
            return SetUp()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # Any other app registered earlier stops working: one device per user.
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        activation.used_at = timezone.now()
        activation.save(update_fields=["used_at"])
        codes = _new_recovery_codes(user)
        record(user=user, action="two_factor_enabled", obj=device, object_type="account")
    return SetUp(codes=codes)


# --- Activation codes: who may register an app ------------------------------------------------


def normalise_activation_code(text: str) -> str:
    return re.sub(r"[\s-]", "", text).upper()


def activation_targets(by):
    """The users `by` may make activation codes for: a superuser anyone active, a unit manager
    the members of the teams they manage; never themselves."""
    users = get_user_model().objects.filter(is_active=True).exclude(pk=by.pk)
    if by.is_superuser:
        return users
    team_ids = get_access(by).team_ids(Membership.Role.ADMIN)
    member_ids = Membership.objects.filter(team_id__in=team_ids, team__is_active=True).values(
        "user_id"
    )
    return users.filter(pk__in=member_ids)


def activation_code_issue(*, user, by) -> str:
    """Makes a new activation code for `user` and returns it (it is not stored, only its
    hash). An older unused code stops working."""
    code = "".join(secrets.choice(ACTIVATION_ALPHABET) for _ in range(ACTIVATION_LENGTH))
    now = timezone.now()
    with transaction.atomic():
        ActivationCode.objects.filter(user=user, used_at__isnull=True).delete()
        activation = ActivationCode.objects.create(
            user=user,
            code_hash=make_password(code),
            created_by=by if by is not None and by.is_authenticated else None,
            created_at=now,
            expires_at=now + timedelta(hours=ACTIVATION_CODE_HOURS),
        )
        record(
            user=by,
            action="activation_code_issued",
            obj=activation,
            object_type="account",
            changes={"user": user.pk},
        )
    return code


def _valid_activation_codes(user):
    return ActivationCode.objects.filter(
        user=user, used_at__isnull=True, expires_at__gt=timezone.now()
    )


def activation_code_valid(*, user, pk=None) -> ActivationCode | None:
    """The user's unused, unexpired activation code (the one with `pk`, if given)."""
    codes = _valid_activation_codes(user)
    if pk is not None:
        codes = codes.filter(pk=pk)
    return codes.order_by("-created_at").first()


def activation_code_redeem(*, user, code: str) -> ActivationCode | None:
    """Checks an activation code typed by `user`. When it is theirs and valid, any half-done
    set-up is thrown away (its secret may have been seen by someone else) and the code is
    returned; it is used up when the new app is confirmed."""
    code = normalise_activation_code(code)
    activation = activation_code_valid(user=user)
    if activation is None or not code or not check_password(code, activation.code_hash):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return activation


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
    wait: int | None = None  # when throttled: seconds until the next try is checked


def two_factor_verify(*, user, token: str) -> Verification:
    """Checks a code from the app, or else a recovery code (which is then used up). Wrong codes
    slow further tries down (django-otp's throttling doubles the wait after each failure)."""
    token = "".join(token.split()).lower()
    if not token or len(token) > 16:
        return Verification(ok=False)
    wait = None
    with transaction.atomic():
        # TOTP codes are six digits; recovery codes are eight base-32 characters.
        if len(token) == 6 and token.isdigit():
            devices = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
        else:
            devices = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
        for device in devices:
            device_wait = wait_seconds(device)
            if device_wait is not None:
                wait = device_wait if wait is None else min(wait, device_wait)
                continue
            if device.verify_token(token):
                used_recovery = isinstance(device, StaticDevice)
                if used_recovery:
                    record(user=user, action="recovery_code_used", object_type="account")
                return Verification(ok=True, used_recovery_code=used_recovery)
    return Verification(ok=False, throttled=wait is not None, wait=wait)
