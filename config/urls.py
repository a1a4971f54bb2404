from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from accounts import oidc
from accounts import views as account_views
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
    path("logga-in/", account_views.LoginView.as_view(), name="login"),
    # The municipality's identity provider (accounts/oidc.py; 404 when not configured).
    path("logga-in/oidc/", oidc.LoginStartView.as_view(), name="oidc_start"),
    path("logga-in/oidc/klar/", oidc.LoginCallbackView.as_view(), name="oidc_callback"),
    path("logga-ut/", account_views.logout_view, name="logout"),
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
    path("enkater/", include("questionnaires.urls")),
    path("jobb/", include("jobs.urls")),
    path("admin/", admin.site.urls),
]
