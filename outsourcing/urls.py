"""Root URLs. Every business page lives under /b/<business id>/ and resolves it with tenancy."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("outsourcing.core_urls")),
    path("", include("outsourcing.coach_urls")),
    path("", include("providers.urls")),
    path("", include("reviews.urls")),
]
