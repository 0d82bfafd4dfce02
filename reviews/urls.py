from django.urls import path

from . import views

app_name = "reviews"

B = "b/<uuid:business_id>/reviews/"

urlpatterns = [
    path(B, views.review_list_view, name="review-list"),
    path(f"{B}<int:pk>/", views.review_detail_view, name="review-detail"),
    path(f"{B}<int:pk>/my-review/", views.review_second_opinion_view, name="review-second-opinion"),
    path(f"{B}providers/<int:provider_pk>/", views.scorecard_view, name="scorecard"),
    path(f"{B}flags/", views.flag_list_view, name="flag-list"),
    path(f"{B}flags/<int:pk>/", views.flag_detail_view, name="flag-detail"),
    path(f"{B}engagements/<int:pk>/schedule/", views.schedule_edit_view, name="schedule-edit"),
    path("notifications/", views.notification_list_view, name="notification-list"),
    path("notifications/<int:pk>/read/", views.notification_read_view, name="notification-read"),
    path("notifications/read-all/", views.notification_read_all_view, name="notification-read-all"),
    path("settings/notifications/", views.notification_settings_view, name="notification-settings"),
    path("calendar/", views.calendar_view, name="calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed_view, name="calendar-feed"),
]
