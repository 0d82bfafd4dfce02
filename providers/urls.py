from django.urls import path

from . import views

app_name = "providers"

B = "b/<uuid:business_id>/"

urlpatterns = [
    # catalog and private providers
    path(B + "providers/", views.provider_list_view, name="provider-list"),
    path(B + "providers/new/", views.provider_create_view, name="provider-create"),
    path(B + "providers/<int:pk>/", views.provider_detail_view, name="provider-detail"),
    path(B + "providers/<int:pk>/edit/", views.provider_edit_view, name="provider-edit"),
    # job descriptions
    path(B + "jobs/", views.job_list_view, name="job-list"),
    path(B + "jobs/new/", views.job_create_view, name="job-create"),
    path(B + "jobs/<int:pk>/", views.job_detail_view, name="job-detail"),
    path(B + "jobs/<int:pk>/edit/", views.job_edit_view, name="job-edit"),
    path(B + "jobs/<int:pk>/print/", views.job_print_view, name="job-print"),
    path(B + "jobs/<int:pk>/compare/", views.job_compare_view, name="job-compare"),
    path(
        B + "jobs/<int:pk>/save-template/", views.job_save_template_view, name="job-save-template"
    ),
    path(B + "jobs/<int:pk>/candidates/add/", views.candidate_add_view, name="candidate-add"),
    # candidates and references
    path(B + "candidates/<int:pk>/", views.candidate_detail_view, name="candidate-detail"),
    path(B + "candidates/<int:pk>/edit/", views.candidate_edit_view, name="candidate-edit"),
    path(B + "candidates/<int:pk>/assess/", views.candidate_assess_view, name="candidate-assess"),
    path(B + "candidates/<int:pk>/hire/", views.candidate_hire_view, name="candidate-hire"),
    path(B + "candidates/<int:pk>/references/add/", views.reference_add_view, name="reference-add"),
    path(B + "references/<int:pk>/link/", views.reference_link_view, name="reference-link"),
    path(B + "references/<int:pk>/record/", views.reference_record_view, name="reference-record"),
    # engagements
    path(B + "engagements/", views.engagement_list_view, name="engagement-list"),
    path(B + "engagements/<int:pk>/", views.engagement_detail_view, name="engagement-detail"),
    path(B + "engagements/<int:pk>/end/", views.engagement_end_view, name="engagement-end"),
    path(
        B + "engagements/<int:pk>/replace/",
        views.engagement_replace_view,
        name="engagement-replace",
    ),
    # the reference's private answer link (no account)
    path("r/<str:token>/", views.reference_answer_view, name="reference-answer"),
    # the library of job description templates (outside any business)
    path("library/", views.template_list_view, name="template-list"),
    path("library/<int:pk>/", views.template_detail_view, name="template-detail"),
    path("library/<int:pk>/copy/", views.template_copy_view, name="template-copy"),
    path("library/<int:pk>/delete/", views.template_delete_view, name="template-delete"),
]
