from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import coach_services, services
from .forms import BusinessForm, SignupForm
from .models import Membership
from .tenancy import business_for
from .types import AuthedRequest


def landing_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("outsourcing:home")
    return render(request, "outsourcing/landing.html")


@require_http_methods(["GET", "POST"])
def signup_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("outsourcing:home")
    # ?next= brings an invited person back to their invitation; ?as=coach leads a coach
    # to the portfolio instead of setting up a business of their own.
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    as_coach = request.GET.get("as") == "coach"
    form = SignupForm(request.POST or None, initial={"email": request.GET.get("email", "")})
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        if as_coach:
            coach_services.coach_register(user)
        if next_url:
            return redirect(next_url)
        if as_coach:
            messages.success(request, _("Welcome! Add your first client."))
            return redirect("coach:portfolio")
        messages.success(request, _("Welcome! Let's set up your business."))
        return redirect("outsourcing:business-create")
    return render(request, "registration/signup.html", {"form": form, "as_coach": as_coach})


@login_required
def home_view(request: AuthedRequest) -> HttpResponse:
    """Send the user where their work is: their business, or the set-up of one."""
    memberships = list(Membership.objects.filter(user=request.user).select_related("business"))
    owned = [m for m in memberships if m.role == Membership.Role.OWNER]
    if owned:
        return redirect(owned[0].business)
    if memberships or coach_services.user_is_coach(request.user):
        return redirect("coach:portfolio")
    return redirect("outsourcing:business-create")


@login_required
@require_http_methods(["GET", "POST"])
def business_create_view(request: AuthedRequest) -> HttpResponse:
    form = BusinessForm(request.POST or None, initial={"currency": "USD", "timezone": "UTC"})
    if request.method == "POST" and form.is_valid():
        business = services.business_create(owner=request.user, **form.cleaned_data)
        messages.success(request, _("%(name)s is set up.") % {"name": business.name})
        # Onboarding continues with "What fills your week?", then the dashboard.
        return redirect("outsourcing:task-starter", business_id=business.pk)
    return render(request, "outsourcing/business_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def business_settings_view(request: AuthedRequest, business_id: UUID) -> HttpResponse:
    """Name, currency, time zone and hourly value; members with edit access may change them."""
    business = business_for(request, business_id, write=request.method == "POST")
    form = BusinessForm(request.POST or None, instance=business)
    if request.method == "POST" and form.is_valid():
        services.business_update(business=business, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Business settings saved."))
        return redirect("outsourcing:business-settings", business_id=business.pk)
    return render(
        request, "outsourcing/business_settings.html", {"form": form, "business": business}
    )
