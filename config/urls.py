from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from rehab import views

admin.site.site_header = "Finsam ärendehantering – administration"
admin.site.site_title = "Finsam administration"
admin.site.index_title = "Organisation och inställningar"

urlpatterns = [
    path("", views.start, name="start"),
    path(
        "logga-in/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logga-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path("oversikt/", views.overview, name="overview"),
    path("team/", views.team_list, name="team_list"),
    path("team/<int:pk>/", views.team_detail, name="team_detail"),
    path("", include("rehab.case_urls")),
    path("remisser/", include("referrals.urls")),
    path("moduler/", include("modules.urls")),
    path("rapporter/", include("reporting.board.urls")),
    path("import/", include("reporting.imports.urls")),
    path("budget/", include("reporting.budget.urls")),
    path("instrumentpanel/", include("reporting.dashboards.urls")),
    path("integritet/", include("privacy.urls")),
    path("konto/", include("accounts.urls")),
    path("admin/", admin.site.urls),
]
