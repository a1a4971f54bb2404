from django.urls import path

from questionnaires import views

app_name = "questionnaires"

urlpatterns = [
    path("inskrivning/<int:pk>/", views.enrolment_questionnaires, name="enrolment"),
    path("inskrivning/<int:pk>/overlamning/", views.handover_start, name="handover_start"),
    path("inskrivning/<int:pk>/lank/", views.link_create, name="link_create"),
    path("overlamning/", views.handover, name="handover"),
    path("overlamning/lamna/", views.handover_leave, name="handover_leave"),
    path("svar/<str:token>/", views.answer, name="answer"),
    path("team/<int:pk>/partnerenkat/", views.partner_links, name="partner_links"),
    path("team/<int:pk>/installning/", views.team_setting, name="team_setting"),
    path("resultat/", views.results, name="results"),
    path("resultat.csv", views.results_csv, name="results_csv"),
]
