from django.urls import path

from rehab import views

urlpatterns = [
    path("team/", views.team_list, name="team_list"),
    path("team/<int:pk>/aktiviteter/", views.activity_list, name="activity_list"),
    path("aktivitet/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("team/<int:pk>/arendemoten/", views.case_meeting_list, name="case_meeting_list"),
    path("team/<int:pk>/arendemoten/nytt/", views.case_meeting_create, name="case_meeting_create"),
    path("arendemote/<int:pk>/", views.case_meeting_detail, name="case_meeting_detail"),
    path("arendemote/<int:pk>/andra/", views.case_meeting_update, name="case_meeting_update"),
    path("arendemote/<int:pk>/ta-bort/", views.case_meeting_delete, name="case_meeting_delete"),
    path("inskrivning/<int:pk>/andra/", views.enrolment_update, name="enrolment_update"),
    path("inskrivning/<int:pk>/fas/", views.enrolment_phase, name="enrolment_phase"),
    path(
        "inskrivning/<int:pk>/angra-avslut/", views.enrolment_undo_exit, name="enrolment_undo_exit"
    ),
    path(
        "inskrivning/<int:pk>/uppfoljning-efter-avslut/",
        views.exit_followup_create,
        name="exit_followup_create",
    ),
    path(
        "inskrivning/<int:pk>/utvardering-fore-avslut/",
        views.exit_evaluation,
        name="exit_evaluation",
    ),
    path("inskrivning/<int:pk>/mal/ny/", views.goal_create, name="goal_create"),
    path(
        "inskrivning/<int:pk>/handlingsplan/utskrift/",
        views.action_plan_print,
        name="action_plan_print",
    ),
    path("mal/<int:pk>/status/", views.goal_status, name="goal_status"),
    path("inskrivning/<int:pk>/anteckning/ny/", views.note_create, name="note_create"),
    path("inskrivning/<int:pk>/anteckning/utkast/", views.note_draft, name="note_draft"),
    path("inskrivning/<int:pk>/avvikelse/ny/", views.deviation_create, name="deviation_create"),
]
