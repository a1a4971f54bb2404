from django.urls import path

from referrals import views

urlpatterns = [
    path("", views.referral_list, name="referral_list"),
    path("ny/", views.referral_create, name="referral_create"),
    path("<int:pk>/", views.referral_detail, name="referral_detail"),
    path(
        "<int:pk>/status/<str:to_status>/", views.referral_transition, name="referral_transition"
    ),
    path("<int:pk>/fordela/", views.referral_assign, name="referral_assign"),
    path("<int:pk>/introduktionssamtal/", views.referral_intro, name="referral_intro"),
    path("konsultationer/", views.consultation_list, name="consultation_list"),
    path("konsultationer/ny/", views.consultation_create, name="consultation_create"),
    path(
        "deltagare/<int:participant_pk>/samtycke/",
        views.consent_create,
        name="consent_create",
    ),
]
