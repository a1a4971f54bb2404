from django.urls import path

from reporting.dashboards import views as dashboard_views

urlpatterns = [
    path("", dashboard_views.dashboard_page, name="dashboard"),
    path("<slug:figure>.csv", dashboard_views.dashboard_csv, name="dashboard_csv"),
]
