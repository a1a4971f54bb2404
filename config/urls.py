from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from accounts.forms import LoginForm
from config.health import health
from reporting import overview

admin.site.site_header = "Finsam ärendehantering – administration"
admin.site.site_title = "Finsam administration"
admin.site.index_title = "Organisation och inställningar"


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links; send them to the SVG icon. Not a
    permanent redirect: the static file's hashed name changes with its content."""
    return redirect(static("favicon.svg"))


urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    # For a load balancer or monitor: no log-in, no data (config/health.py).
    path("halsa/", health, name="health"),
    path("", overview.start, name="start"),
    path(
        "logga-in/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logga-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path("oversikt/", overview.overview, name="overview"),
    path("", include("rehab.urls")),
    path("", include("casework.urls")),
    path("remisser/", include("referrals.urls")),
    path("moduler/", include("modules.urls")),
    path("rapporter/", include("reporting.board.urls")),
    path("import/", include("reporting.imports.urls")),
    path("budget/", include("reporting.budget.urls")),
    path("instrumentpanel/", include("reporting.dashboards.urls")),
    path("integritet/", include("privacy.urls")),
    path("konto/", include("accounts.urls")),
    path("jobb/", include("jobs.urls")),
    path("admin/", admin.site.urls),
]
