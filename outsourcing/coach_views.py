"""Coach and people pages: portfolio, client set-up, invitations, access, activity log.

Thin views: tenancy resolves the business (404 for non-members, 403 for view-only writes),
coach_services does the writing, coach_selectors and activity do the reading.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dates import MONTHS_3
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import activity, coach_selectors, coach_services
from .coach_forms import AccessForm, ClientBusinessForm, CoachInvitationForm, OwnerInvitationForm
from .coach_selectors import PortfolioRow
from .coach_services import CoachError, SentInvitation
from .context_processors import business_url_maker
from .fragments import esc
from .models import Invitation, Membership
from .scoring import format_hours, format_money
from .tenancy import business_for, membership_for, owner_business_for, user_memberships
from .types import AuthedRequest

INVITATION_STATUS = {
    "unknown": 404,
    "revoked": 410,
    "used": 410,
    "expired": 410,
    "wrong_account": 403,
    "has_owner": 409,
}


def _invitation_sent_message(request: HttpRequest, sent: SentInvitation) -> None:
    email = sent.invitation.email
    if sent.emailed:
        messages.success(
            request,
            _("Invitation e-mailed to %(email)s. It works once and expires in 7 days.")
            % {"email": email},
        )
    else:
        messages.warning(
            request,
            _("The invitation to %(email)s could not be e-mailed. Send them the link below.")
            % {"email": email},
        )
    # Shown once, to the person who created it, so it can also be passed on by hand.
    request.session["coach_invitation_link"] = sent.url


def _method_not_allowed(request: HttpRequest, *methods: str) -> HttpResponse | None:
    """Business pages check the method after tenancy, so that a non-member gets the same
    404 whatever the method (a 405 would tell them the business exists)."""
    if request.method in methods or (request.method == "HEAD" and "GET" in methods):
        return None
    return HttpResponseNotAllowed(methods)


def _badge(count: int) -> str:
    return f'<span class="badge text-bg-danger">{count}</span>' if count else "0"


def _day_formatter() -> Callable[[date], str]:
    """`date_format(day, "j M Y")` ("9 Mar 2026") for a page of dates: each month's name is
    translated once, not once a date (date_format costs 20 µs a call)."""
    months: dict[int, str] = {}

    def day_format(day: date) -> str:
        if day.month not in months:
            months[day.month] = MONTHS_3[day.month].title()
        return f"{day.day} {months[day.month]} {day.year}"

    return day_format


def _portfolio_row(
    row: PortfolioRow,
    dashboard: str,
    people: str,
    activity: str,
    day_format: Callable[[date], str],
) -> str:
    """One client's row of the portfolio table (coach/portfolio.html places them), built here
    rather than by template nodes per cell; every text is escaped (`fragments.esc`) and the
    counts are ints."""
    attention = row.needs_attention
    warning = ' class="table-warning"' if attention else ""
    outsource = (
        esc(
            f"{format_hours(row.outsource_hours)} h · "
            f"{format_money(row.outsource_value, row.business.currency)}"
        )
        if row.outsource_tasks
        else '<span class="text-body-secondary">—</span>'
    )
    notice = esc(day_format(row.next_notice_deadline)) if row.next_notice_deadline else "—"
    return (
        f'<tr data-testid="portfolio-row"{warning}>'
        f'<th scope="row"><a href="{esc(dashboard)}" class="fw-semibold">'
        f"{esc(row.business.name)}</a>"
        + (
            ' <span class="badge text-bg-secondary ms-1">view only</span>'
            if row.membership.access == Membership.Access.VIEW
            else ""
        )
        + (' <span class="badge text-bg-warning ms-1">needs attention</span>' if attention else "")
        + f'<div class="small"><a href="{esc(people)}">People</a> · '
        f'<a href="{esc(activity)}">Activity</a></div></th>'
        f'<td class="text-end text-nowrap">{outsource}</td>'
        f'<td class="text-end">{int(row.active_engagements)}</td>'
        f'<td class="text-end">{int(row.reviews_due_soon)}</td>'
        f'<td class="text-end">{_badge(int(row.reviews_overdue))}</td>'
        f'<td class="text-end">{_badge(int(row.open_flags))}</td>'
        f'<td class="text-nowrap">{notice}</td></tr>'
    )


@login_required
@require_GET
def portfolio_view(request: AuthedRequest) -> HttpResponse:
    sort = request.GET.get("sort", "")
    show = request.GET.get("show", "")
    q = request.GET.get("q", "").strip()
    portfolio = coach_selectors.portfolio(
        user=request.user,
        memberships=user_memberships(request),
        sort=sort,
        show=show,
        q=q,
        page=request.GET.get("page"),
    )
    # Each row's three links built by substitution from one reverse() per URL name.
    dashboard_url, people_url, activity_url = (
        business_url_maker(name)
        for name in ("outsourcing:dashboard", "coach:people", "coach:activity")
    )
    day_format = _day_formatter()
    rows_html = mark_safe(  # noqa: S308 — escaped piece by piece in _portfolio_row
        "".join(
            _portfolio_row(
                row,
                dashboard_url(row.business.pk),
                people_url(row.business.pk),
                activity_url(row.business.pk),
                day_format,
            )
            for row in portfolio.page.object_list
        )
    )
    return render(
        request,
        "coach/portfolio.html",
        {
            "portfolio": portfolio,
            "page": portfolio.page,
            "rows_html": rows_html,
            "sort": portfolio.sort,
            "show": show,
            "q": q,
            "query_without_sort": urlencode({k: v for k, v in (("show", show), ("q", q)) if v}),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def client_create_view(request: AuthedRequest) -> HttpResponse:
    form = ClientBusinessForm(request.POST or None, initial={"currency": "USD", "timezone": "UTC"})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            business, sent = coach_services.client_business_create(
                coach=request.user, owner_email=data.pop("owner_email"), **data
            )
        except CoachError as exc:
            form.add_error("owner_email", exc.message)
        else:
            messages.success(request, _("%(name)s is in your portfolio.") % {"name": business.name})
            if sent is not None:
                _invitation_sent_message(request, sent)
            return redirect("coach:people", business_id=business.pk)
    return render(request, "coach/client_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invitation e-mail. Anyone holding it may see what it is for; only
    the invited address, signed in, may accept (sign-up and log-in lead back here)."""
    invitation = coach_services.invitation_for_token(token)
    user = request.user if request.user.is_authenticated else None
    problem = coach_services.invitation_problem(invitation, user)
    if problem is not None:
        return render(
            request,
            "coach/invitation_problem.html",
            {"problem": problem, "invitation": invitation if problem.code != "unknown" else None},
            status=INVITATION_STATUS.get(problem.code, 400),
        )
    if invitation is None:  # unreachable: invitation_problem reports a missing one
        raise Http404
    if user is None:
        here = request.get_full_path()
        return render(
            request,
            "coach/invitation_accept.html",
            {
                "invitation": invitation,
                "signup_url": reverse("outsourcing:signup")
                + "?"
                + urlencode({"next": here, "email": invitation.email}),
                "login_url": reverse("login") + "?" + urlencode({"next": here}),
            },
        )
    if request.method == "POST":
        try:
            membership = coach_services.invitation_accept(token=token, user=user)
        except CoachError as exc:
            return render(
                request,
                "coach/invitation_problem.html",
                {"problem": exc, "invitation": invitation},
                status=INVITATION_STATUS.get(exc.code, 400),
            )
        messages.success(
            request,
            _("You joined %(business)s as %(role)s.")
            % {
                "business": membership.business.name,
                "role": membership.get_role_display().lower(),
            },
        )
        if membership.role == Membership.Role.COACH:
            return redirect("coach:portfolio")
        return redirect(membership.business)
    return render(request, "coach/invitation_accept.html", {"invitation": invitation})


@login_required
def people_view(request: AuthedRequest, business_id: UUID) -> HttpResponse:
    business = business_for(request, business_id)
    if wrong := _method_not_allowed(request, "GET"):
        return wrong
    me = membership_for(request, business_id)
    people = coach_selectors.people(business=business)
    link = request.session.pop("coach_invitation_link", None)
    return render(
        request,
        "coach/people.html",
        {
            "business": business,
            "me": me,
            "people": people,
            "is_owner": me.role == Membership.Role.OWNER,
            "can_invite_owner": me.can_edit and people.owner is None,
            "coach_form": CoachInvitationForm(),
            "owner_form": OwnerInvitationForm(),
            "access_choices": Membership.Access.choices,
            "invitation_link": link,
        },
    )


@login_required
def invitation_create_view(request: AuthedRequest, business_id: UUID) -> HttpResponse:
    business = business_for(request, business_id, write=True)
    if wrong := _method_not_allowed(request, "POST"):
        return wrong
    me = membership_for(request, business_id)
    role = request.POST.get("role", Membership.Role.COACH)
    form: CoachInvitationForm | OwnerInvitationForm
    if role == Membership.Role.OWNER:
        form = OwnerInvitationForm(request.POST)
    else:
        role = Membership.Role.COACH
        if me.role != Membership.Role.OWNER:
            raise PermissionDenied(_("Only the owner can invite coaches."))
        form = CoachInvitationForm(request.POST)
    if form.is_valid():
        try:
            sent = coach_services.invitation_create(
                business=business,
                actor=request.user,
                email=form.cleaned_data["email"],
                role=role,
                access=form.cleaned_data.get("access", Membership.Access.EDIT),
            )
        except CoachError as exc:
            if exc.code == "forbidden":
                raise PermissionDenied(exc.message) from exc
            form.add_error("email", exc.message)
        else:
            _invitation_sent_message(request, sent)
            return redirect("coach:people", business_id=business.pk)
    people = coach_selectors.people(business=business)
    return render(
        request,
        "coach/people.html",
        {
            "business": business,
            "me": me,
            "people": people,
            "is_owner": me.role == Membership.Role.OWNER,
            "can_invite_owner": me.can_edit and people.owner is None,
            "coach_form": form if role == Membership.Role.COACH else CoachInvitationForm(),
            "owner_form": form if role == Membership.Role.OWNER else OwnerInvitationForm(),
            "access_choices": Membership.Access.choices,
        },
        status=400,
    )


@login_required
def membership_access_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = owner_business_for(request, business_id)
    membership = get_object_or_404(
        Membership.objects.filter(business=business).select_related("user"), pk=pk
    )
    if wrong := _method_not_allowed(request, "POST"):
        return wrong
    form = AccessForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose edit or view-only access."))
        return redirect("coach:people", business_id=business.pk)
    try:
        coach_services.membership_access_set(
            membership=membership, actor=request.user, access=form.cleaned_data["access"]
        )
    except CoachError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(who)s now has %(access)s access.")
            % {"who": membership.user.email, "access": membership.get_access_display().lower()},
        )
    return redirect("coach:people", business_id=business.pk)


@login_required
def membership_revoke_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = owner_business_for(request, business_id)
    membership = get_object_or_404(
        Membership.objects.filter(business=business).select_related("user"), pk=pk
    )
    if wrong := _method_not_allowed(request, "POST"):
        return wrong
    try:
        coach_services.membership_revoke(membership=membership, actor=request.user)
    except CoachError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(who)s no longer has access to %(business)s.")
            % {"who": membership.user.email, "business": business.name},
        )
    return redirect("coach:people", business_id=business.pk)


@login_required
def invitation_revoke_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id, write=True)
    me = membership_for(request, business_id)
    invitation = get_object_or_404(Invitation.objects.filter(business=business), pk=pk)
    if wrong := _method_not_allowed(request, "POST"):
        return wrong
    if me.role != Membership.Role.OWNER and invitation.role != Membership.Role.OWNER:
        raise PermissionDenied(_("Only the owner can withdraw a coach's invitation."))
    coach_services.invitation_revoke(invitation=invitation, actor=request.user)
    messages.success(
        request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}
    )
    return redirect("coach:people", business_id=business.pk)


@login_required
def activity_view(request: AuthedRequest, business_id: UUID) -> HttpResponse:
    business = business_for(request, business_id)
    if wrong := _method_not_allowed(request, "GET"):
        return wrong
    kinds = activity.activity_kinds()
    people = activity.activity_people(business)
    what = request.GET.get("what", "")
    if what not in dict(kinds):
        what = ""
    who = request.GET.get("who", "")
    user_id = next((p.pk for p in people if str(p.pk) == who), None)
    page = activity.activity_page(
        business=business, page=request.GET.get("page"), kind=what, user_id=user_id
    )
    return render(
        request,
        "coach/activity_list.html",
        {
            "business": business,
            "page": page,
            "kinds": kinds,
            "people": people,
            "what": what,
            "who": str(user_id) if user_id else "",
        },
    )
