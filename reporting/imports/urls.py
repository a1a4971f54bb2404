"""The enrolment import pages, mounted at /import/ by config/urls.py."""

from django.urls import path

from reporting.imports import views as import_views

urlpatterns = [
    path("", import_views.import_upload, name="import_upload"),
    path("forhandsgranska/", import_views.import_preview, name="import_preview"),
    path("bekrafta/", import_views.import_confirm, name="import_confirm"),
    path("avbryt/", import_views.import_cancel, name="import_cancel"),
    path("mall.<str:fmt>", import_views.import_template, name="import_template"),
]
