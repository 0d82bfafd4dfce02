"""Coaches and people: portfolio, client set-up, invitations, access, activity log."""

from django.urls import path

from . import coach_views as views

app_name = "coach"

urlpatterns = [
    path("portfolio/", views.portfolio_view, name="portfolio"),
    path("portfolio/add/", views.client_create_view, name="client-create"),
    path("invitations/<str:token>/", views.invitation_accept_view, name="invitation-accept"),
    path("b/<uuid:business_id>/people/", views.people_view, name="people"),
    path("b/<uuid:business_id>/people/invite/", views.invitation_create_view, name="invite"),
    path(
        "b/<uuid:business_id>/people/<int:pk>/access/",
        views.membership_access_view,
        name="membership-access",
    ),
    path(
        "b/<uuid:business_id>/people/<int:pk>/revoke/",
        views.membership_revoke_view,
        name="membership-revoke",
    ),
    path(
        "b/<uuid:business_id>/invitations/<int:pk>/revoke/",
        views.invitation_revoke_view,
        name="invitation-revoke",
    ),
    path("b/<uuid:business_id>/activity/", views.activity_view, name="activity"),
]
