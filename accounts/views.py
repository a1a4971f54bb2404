"""My account: two-factor set-up and log-in, recovery codes, password, log out everywhere."""

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import oidc, services
from accounts.backends import password_login_for_all
from accounts.forms import ActivationCodeForm, CodeForm, LoginForm
from accounts.models import ActivationCode
from accounts.sessions import (
    LOGIN_METHOD,
    OIDC_ID_HINT,
    SECOND_FACTOR,
    mark_second_factor_given,
    needs_second_factor,
)
from privacy.models import LoginMethod
from rehab.access import ADMIN, get_access
from rehab.models import Membership

NEW_CODES = "accounts_new_recovery_codes"
# The activation code the user typed on the set-up page (its pk) while they register the app.
ACTIVATION = "accounts_activation_code"
FEW_CODES_LEFT = 3

ASK_FOR_CODE = "Be din enhetschef om en aktiveringskod."


def _throttled(wait: int) -> str:
    return f"För många försök. Vänta {wait} sekunder och försök igen."


def _with_next(name, target):
    return f"{reverse(name)}?{urlencode({'next': target})}"


def _next_url(request, default="start"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


class LoginView(auth_views.LoginView):
    """The log-in page: the identity provider's button when OIDC is configured, and the
    password form (for superusers only with PASSWORD_LOGIN=superusers)."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs,
            oidc_enabled=oidc.enabled(),
            password_for_all=password_login_for_all(),
        )


@require_POST
def logout_view(request):
    """Ends the local session and, after a log-in through the identity provider whose discovery
    document has an end_session_endpoint, the provider's session too (RP-initiated log-out)."""
    provider_logout = None
    if request.session.get(LOGIN_METHOD) == LoginMethod.OIDC and oidc.enabled():
        provider_logout = oidc.end_session_url(
            id_token=request.session.get(OIDC_ID_HINT),
            post_logout_redirect_uri=request.build_absolute_uri(reverse("login")),
        )
    logout(request)
    if provider_logout:
        return redirect(provider_logout)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
def account_detail(request):
    user = request.user
    has_device = services.has_confirmed_device(user)
    return render(
        request,
        "accounts/account.html",
        {
            "has_device": has_device,
            "required": needs_second_factor(user),
            "codes_left": services.recovery_codes_left(user) if has_device else 0,
            "reminders_on": services.wants_deadline_reminders(user),
        },
    )


@login_required
def two_factor_setup(request):
    """Registers an authenticator app. The secret is shown only after the user has typed a
    valid activation code from their unit manager: a password alone never sets up the second
    factor. The same way replaces a lost phone's app."""
    user = request.user
    pk = request.session.get(ACTIVATION)
    activation = services.activation_code_valid(user=user, pk=pk) if pk else None
    if activation is None:
        request.session.pop(ACTIVATION, None)
        if (
            request.method == "GET"
            and request.session.get(SECOND_FACTOR)
            and services.has_confirmed_device(user)
            and services.activation_code_valid(user=user) is None
        ):
            messages.info(request, "Tvåfaktorsinloggning är redan aktiverad.")
            return redirect("account_detail")
        return _activation_step(request)
    device = services.totp_device_pending(user=user)
    form = CodeForm(request.POST or None, allow_recovery=False)
    if request.method == "POST" and form.is_valid():
        result = services.totp_device_confirm(
            user=user, device=device, token=form.cleaned_data["code"], activation=activation
        )
        if result.codes is not None:
            mark_second_factor_given(request)
            request.session.pop(ACTIVATION, None)
            request.session[NEW_CODES] = result.codes
            messages.success(request, "Tvåfaktorsinloggning är aktiverad.")
            return redirect(_with_next("recovery_codes_show", _next_url(request)))
        if result.activation_invalid:
            request.session.pop(ACTIVATION, None)
            messages.error(request, f"Aktiveringskoden gäller inte längre. {ASK_FOR_CODE}")
            return redirect(_with_next("two_factor_setup", _next_url(request)))
        if result.wait is not None:
            form.add_error("code", _throttled(result.wait))
        else:
            form.add_error("code", "Koden stämmer inte. Kontrollera att appen visar rätt konto.")
    secret = b32encode(device.bin_key).decode("ascii")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": segno.make(device.config_url, error="m").svg_inline(
                scale=4,
                light="#ffffff",
                svgclass="qr-code",
                title="QR-kod för autentiseringsappen",
            ),
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "next": _next_url(request),
        },
    )


def _activation_step(request):
    """The first step of the set-up: the activation code."""
    user = request.user
    form = ActivationCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        activation = services.activation_code_redeem(
            user=user, code=form.cleaned_data["activation_code"]
        )
        if activation is not None:
            request.session[ACTIVATION] = activation.pk
            return redirect(_with_next("two_factor_setup", _next_url(request)))
        form.add_error(
            "activation_code",
            f"Aktiveringskoden stämmer inte eller gäller inte längre. {ASK_FOR_CODE}",
        )
    return render(
        request,
        "accounts/two_factor_activate.html",
        {
            "form": form,
            "has_device": services.has_confirmed_device(user),
            "verified": bool(request.session.get(SECOND_FACTOR)),
            "ask_for_code": ASK_FOR_CODE,
            "hours": services.ACTIVATION_CODE_HOURS,
            "next": _next_url(request),
        },
    )


@login_required
def two_factor_verify(request):
    user = request.user
    if request.session.get(SECOND_FACTOR):
        return redirect(_next_url(request))
    if not services.has_confirmed_device(user):
        return redirect(_with_next("two_factor_setup", _next_url(request)))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.two_factor_verify(user=user, token=form.cleaned_data["code"])
        if result.ok:
            mark_second_factor_given(request)
            if result.used_recovery_code:
                left = services.recovery_codes_left(user)
                messages.warning(
                    request,
                    f"Du loggade in med en reservkod. Den kan inte användas igen. "
                    f"Du har {left} reservkoder kvar.",
                )
                if left <= FEW_CODES_LEFT:
                    return redirect("account_detail")
            return redirect(_next_url(request))
        if result.throttled:
            form.add_error("code", _throttled(result.wait))
        else:
            form.add_error("code", "Koden stämmer inte. Försök igen.")
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


@login_required
def recovery_codes_show(request):
    codes = request.session.pop(NEW_CODES, None)
    if not codes:
        messages.info(
            request,
            "Reservkoderna visas bara en gång. Skapa nya koder om du har tappat bort dem.",
        )
        return redirect("account_detail")
    return render(
        request, "accounts/recovery_codes.html", {"codes": codes, "next": _next_url(request)}
    )


@require_POST
@login_required
def recovery_codes_regenerate(request):
    if not services.has_confirmed_device(request.user):
        messages.error(request, "Aktivera tvåfaktorsinloggning först.")
        return redirect("account_detail")
    request.session[NEW_CODES] = services.recovery_codes_regenerate(user=request.user)
    return redirect(_with_next("recovery_codes_show", reverse("account_detail")))


@require_POST
@login_required
def deadline_reminders(request):
    """Turns the daily deadline e-mail on ("on" in the form) or off."""
    choice = request.POST.get("paminnelser")
    if choice not in ("pa", "av"):
        messages.error(request, "Välj om du vill få påminnelser eller inte.")
        return redirect("account_detail")
    services.deadline_reminders_set(user=request.user, on=choice == "pa")
    messages.success(
        request,
        "Du får en påminnelse om dina frister varje morgon."
        if choice == "pa"
        else "Du får inga fler påminnelser om frister per e-post.",
    )
    return redirect("account_detail")


@require_POST
@login_required
def sessions_end_all(request):
    services.sessions_end_all(user=request.user)
    logout(request)
    messages.success(
        request, "Du är utloggad på alla enheter och i alla webbläsare, även den här."
    )
    return redirect("login")


def _issuer_required(view):
    """Unit managers (for their teams' members) and superusers make activation codes."""

    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.is_superuser or get_access(request.user).has_role(ADMIN)):
            raise PermissionDenied("Din roll ger inte tillgång till sidan.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@_issuer_required
def activation_codes(request):
    """The members of the unit manager's teams, with their two-factor state."""
    users = list(
        services.activation_targets(request.user).order_by("first_name", "last_name", "username")
    )
    ids = [u.pk for u in users]
    with_app = set(
        TOTPDevice.objects.filter(user_id__in=ids, confirmed=True).values_list(
            "user_id", flat=True
        )
    )
    pending = {
        code.user_id: code
        for code in ActivationCode.objects.filter(
            user_id__in=ids, used_at__isnull=True, expires_at__gt=timezone.now()
        )
    }
    teams: dict[int, list[str]] = {}
    for user_id, team in Membership.objects.filter(
        user_id__in=ids, team__is_active=True
    ).values_list("user_id", "team__name"):
        teams.setdefault(user_id, []).append(team)
    rows = [
        {
            "user": u,
            "teams": sorted(teams.get(u.pk, [])),
            "has_app": u.pk in with_app,
            "pending": pending.get(u.pk),
        }
        for u in users
    ]
    return render(
        request,
        "accounts/activation_codes.html",
        {"rows": rows, "hours": services.ACTIVATION_CODE_HOURS},
    )


@_issuer_required
def activation_code_create(request, user_pk):
    """Asks to confirm, then makes the code and shows it this once."""
    target = get_object_or_404(services.activation_targets(request.user), pk=user_pk)
    has_app = services.has_confirmed_device(target)
    if request.method == "POST":
        code = services.activation_code_issue(user=target, by=request.user)
        return render(
            request,
            "accounts/activation_code_shown.html",
            {
                "target": target,
                "code_groups": [code[i : i + 4] for i in range(0, len(code), 4)],
                "hours": services.ACTIVATION_CODE_HOURS,
                "expires_at": services.activation_code_valid(user=target).expires_at,
            },
        )
    return render(
        request,
        "accounts/activation_code_confirm.html",
        {
            "target": target,
            "has_app": has_app,
            "pending": services.activation_code_valid(user=target),
            "hours": services.ACTIVATION_CODE_HOURS,
        },
    )


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("account_detail")
    success_message = "Ditt lösenord är bytt. Dina andra inloggningar har avslutats."


def lockout(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out log-in (AXES_LOCKOUT_CALLABLE): 429 in Swedish."""
    cool_off = settings.AXES_COOLOFF_TIME
    return render(
        request,
        "accounts/lockout.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": max(1, round(cool_off.total_seconds() / 60)) if cool_off else None,
        },
        status=429,
    )
