from django.urls import path

from . import portability_views, task_views, views

app_name = "outsourcing"

urlpatterns = [
    path("", views.landing_view, name="landing"),
    path("accounts/signup/", views.signup_view, name="signup"),
    path("home/", views.home_view, name="home"),
    path("b/new/", views.business_create_view, name="business-create"),
    path("b/<uuid:business_id>/", task_views.dashboard_view, name="dashboard"),
    path("b/<uuid:business_id>/tasks/", task_views.task_list_view, name="task-list"),
    path("b/<uuid:business_id>/tasks/new/", task_views.task_create_view, name="task-create"),
    path("b/<uuid:business_id>/tasks/starter/", task_views.task_starter_view, name="task-starter"),
    path("b/<uuid:business_id>/tasks/export.csv", task_views.task_export_view, name="task-export"),
    path("b/<uuid:business_id>/tasks/import/", task_views.task_import_view, name="task-import"),
    path("b/<uuid:business_id>/tasks/<int:pk>/", task_views.task_detail_view, name="task-detail"),
    path("b/<uuid:business_id>/tasks/<int:pk>/edit/", task_views.task_edit_view, name="task-edit"),
    path(
        "b/<uuid:business_id>/tasks/<int:pk>/delete/",
        task_views.task_delete_view,
        name="task-delete",
    ),
    path(
        "b/<uuid:business_id>/tasks/<int:pk>/override/",
        task_views.task_override_view,
        name="task-override",
    ),
    path(
        "b/<uuid:business_id>/settings/",
        views.business_settings_view,
        name="business-settings",
    ),
    path(
        "b/<uuid:business_id>/settings/export/",
        portability_views.business_export_view,
        name="business-export",
    ),
    path(
        "b/<uuid:business_id>/settings/delete/",
        portability_views.business_delete_view,
        name="business-delete",
    ),
]
