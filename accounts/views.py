"""My account: two-factor set-up and log-in, recovery codes, password, log out everywhere."""

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.messages.views import SuccessMessageMixin
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import CodeForm
from accounts.sessions import SECOND_FACTOR, mark_second_factor_given, needs_second_factor

NEW_CODES = "accounts_new_recovery_codes"
FEW_CODES_LEFT = 3


def _with_next(name, target):
    return f"{reverse(name)}?{urlencode({'next': target})}"


def _next_url(request, default="start"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


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
        },
    )


@login_required
def two_factor_setup(request):
    user = request.user
    if services.has_confirmed_device(user):
        if request.session.get(SECOND_FACTOR):
            messages.info(request, "Tvåfaktorsinloggning är redan aktiverad.")
            return redirect("account_detail")
        return redirect(_with_next("two_factor_verify", _next_url(request)))
    device = services.totp_device_pending(user=user)
    form = CodeForm(request.POST or None, allow_recovery=False)
    if request.method == "POST" and form.is_valid():
        codes = services.totp_device_confirm(
            user=user, device=device, token=form.cleaned_data["code"]
        )
        if codes is not None:
            mark_second_factor_given(request)
            request.session[NEW_CODES] = codes
            messages.success(request, "Tvåfaktorsinloggning är aktiverad.")
            return redirect(_with_next("recovery_codes_show", _next_url(request)))
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
            form.add_error(
                "code", "För många felaktiga koder i rad. Vänta en stund och försök igen."
            )
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
def sessions_end_all(request):
    services.sessions_end_all(user=request.user)
    logout(request)
    messages.success(
        request, "Du är utloggad på alla enheter och i alla webbläsare, även den här."
    )
    return redirect("login")


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
