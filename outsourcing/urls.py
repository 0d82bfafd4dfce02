"""Root URLs. Every business page lives under /b/<business id>/ and resolves it with tenancy."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from .forms import EmailAuthenticationForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=EmailAuthenticationForm),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("outsourcing.core_urls")),
    path("", include("outsourcing.coach_urls")),
    path("", include("providers.urls")),
    path("", include("reviews.urls")),
]
