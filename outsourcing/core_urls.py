from django.urls import path

from . import views

app_name = "outsourcing"

urlpatterns = [
    path("", views.landing_view, name="landing"),
    path("accounts/signup/", views.signup_view, name="signup"),
    path("home/", views.home_view, name="home"),
    path("b/new/", views.business_create_view, name="business-create"),
    path("b/<uuid:business_id>/", views.dashboard_view, name="dashboard"),
]
