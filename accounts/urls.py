from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.account_detail, name="account_detail"),
    path("tvafaktor/", views.two_factor_setup, name="two_factor_setup"),
    path("tvafaktor/kod/", views.two_factor_verify, name="two_factor_verify"),
    path("reservkoder/", views.recovery_codes_show, name="recovery_codes_show"),
    path("reservkoder/nya/", views.recovery_codes_regenerate, name="recovery_codes_regenerate"),
    path("paminnelser/", views.deadline_reminders, name="deadline_reminders"),
    path("logga-ut-overallt/", views.sessions_end_all, name="sessions_end_all"),
    path("aktiveringskoder/", views.activation_codes, name="activation_codes"),
    path(
        "aktiveringskoder/<int:user_pk>/",
        views.activation_code_create,
        name="activation_code_create",
    ),
    path("losenord/", views.PasswordChangeView.as_view(), name="password_change"),
]
