from django.urls import path

from reporting.board import views

urlpatterns = [
    path("styrelse/", views.board_report, name="board_report"),
    path("styrelse/text/", views.board_note_save, name="board_note_save"),
    path("styrelse/fil/<str:fmt>/", views.board_report_export, name="board_report_export"),
    path("styrelse/jobb/<str:fmt>/", views.board_report_job, name="board_report_job"),
]
