from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("logg/", views.log_review, name="log_review"),
    path("logg/csv/", views.log_csv, name="log_csv"),
    path("registerutdrag/<int:pk>/", views.subject_access, name="subject_access"),
    path("registerutdrag/<int:pk>/json/", views.subject_access_json, name="subject_access_json"),
    path(
        "registerutdrag/<int:pk>/pdf/bestall/",
        views.subject_access_pdf_job,
        name="subject_access_pdf_job",
    ),
    path("gallring/", views.purge_runs, name="purge_runs"),
    path("gallring/starta/", views.purge_start, name="purge_start"),
]
