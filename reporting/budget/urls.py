from django.urls import path

from reporting.budget import views

urlpatterns = [
    path("", views.budget_index, name="budget_index"),
    path("<int:team_id>/<int:year>/", views.budget_followup_page, name="budget_followup"),
    path("<int:team_id>/<int:year>/andra/", views.budget_edit, name="budget_edit"),
    path("<int:team_id>/<int:year>/utfall/", views.budget_actuals, name="budget_actuals"),
    path("<int:team_id>/<int:year>/import/", views.budget_import_upload, name="budget_import"),
    path(
        "<int:team_id>/<int:year>/import/granska/",
        views.budget_import_preview,
        name="budget_import_preview",
    ),
    path(
        "<int:team_id>/<int:year>/import/bekrafta/",
        views.budget_import_confirm,
        name="budget_import_confirm",
    ),
    path(
        "<int:team_id>/<int:year>/import/avbryt/",
        views.budget_import_cancel,
        name="budget_import_cancel",
    ),
]
