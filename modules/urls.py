from django.urls import path

from modules import views

app_name = "modules"

urlpatterns = [
    path("", views.module_list, name="module_list"),
    path("modul/<int:pk>/", views.module_detail, name="module_detail"),
    path("frister/", views.deadline_list, name="deadline_list"),
    path("frister/kalender/", views.calendar_feed, name="calendar_feed"),
    path("kalender/<str:token>.ics", views.calendar_ics, name="calendar_ics"),
    path("ledningsgruppsbeslut/", views.approval_list, name="approval_list"),
    path("ledningsgruppsbeslut/<int:pk>/beslut/", views.approval_decide, name="approval_decide"),
    path("inskrivning/<int:pk>/", views.enrolment_detail, name="enrolment"),
    path("inskrivning/<int:pk>/placera/", views.placement_create, name="placement_create"),
    path(
        "inskrivning/<int:pk>/ledningsgruppsbeslut/",
        views.approval_request,
        name="approval_request",
    ),
    path("inskrivning/<int:pk>/uppfoljning/", views.followup_record, name="followup_record"),
    path("inskrivning/<int:pk>/vantelista/", views.waiting_add, name="waiting_add"),
    path("placering/<int:pk>/forlang/", views.placement_extend, name="placement_extend"),
    path("placering/<int:pk>/avsluta/", views.placement_end, name="placement_end"),
    path("placering/<int:pk>/trepartsmote/boka/", views.review_book, name="review_book"),
    path("placering/<int:pk>/trepartsmote/", views.review_record, name="review_record"),
    path(
        "trepartsmote/<int:pk>/registrera/",
        views.review_record_booked,
        name="review_record_booked",
    ),
    path("trepartsmote/<int:pk>/avboka/", views.review_cancel, name="review_cancel"),
    path("trepartsmote/<int:pk>/protokoll/", views.review_protocol, name="review_protocol"),
    path(
        "kontakt-en-vag-in/<int:pk>/registrera/",
        views.triage_contact_record,
        name="triage_contact_record",
    ),
    path("vantelista/<int:pk>/ta-bort/", views.waiting_remove, name="waiting_remove"),
]
