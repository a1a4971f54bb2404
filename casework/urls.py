from django.urls import path

from casework import views

urlpatterns = [
    path("team/<int:pk>/", views.team_detail, name="team_detail"),
    path("deltagare/", views.caseload, name="caseload"),
    path("deltagare/ny/", views.participant_create, name="participant_create"),
    path(
        "deltagare/anonym/ny/",
        views.participant_create_anonymous,
        name="participant_create_anonymous",
    ),
    path("deltagare/<int:pk>/", views.participant_detail, name="participant_detail"),
    path("deltagare/<int:pk>/andra/", views.participant_update, name="participant_update"),
    path("inskrivning/ny/", views.enrolment_create, name="enrolment_create"),
    path("inskrivning/<int:pk>/avslut/", views.enrolment_exit, name="enrolment_exit"),
    path(
        "inskrivning/<int:pk>/felregistrerad/",
        views.enrolment_mark_error,
        name="enrolment_mark_error",
    ),
]
