"""Thin views: resolve the business through tenancy, parse input, call services/selectors."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

import icalendar
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from outsourcing.fragments import esc
from outsourcing.models import Business
from outsourcing.tenancy import business_for
from outsourcing.types import AuthedRequest
from providers import selectors as provider_selectors

from . import selectors, services
from .forms import (
    DutyRow,
    FlagResolveForm,
    NotificationPreferenceForm,
    ReviewForm,
    ScheduleForm,
)
from .models import Notification, NotificationPreference, ReplacementFlag, Review

PAGE_SIZE = 25


@login_required
@require_GET
def review_list_view(request: AuthedRequest, business_id: UUID) -> HttpResponse:
    business = business_for(request, business_id)
    today = selectors.business_today(business, timezone.now())
    show = request.GET.get("show", "due")
    if show not in selectors.REVIEW_FILTERS:
        show = "due"
    sort = request.GET.get("sort", "due")
    counts = selectors.review_counts(business=business, today=today)
    if "show" not in request.GET and not counts["due"] and counts["overdue"]:
        show = "overdue"
    page = Paginator(
        selectors.review_list(business=business, today=today, show=show, sort=sort), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/review_list.html",
        {
            "business": business,
            "page": page,
            "show": show,
            "sort": sort,
            "counts": counts,
            "today": today,
            "filters": [
                ("due", "Coming up"),
                ("overdue", "Overdue"),
                ("completed", "Completed"),
                ("all", "All"),
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_detail_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    """The review form while due; read-only once completed."""
    business = business_for(request, business_id, write=request.method == "POST")
    review = selectors.review_get(business=business, pk=pk)
    can_edit = request.membership.can_edit  # type: ignore[attr-defined]
    today = selectors.business_today(business, timezone.now())
    if not review.is_completed and can_edit and review.reviewer_id in (None, request.user.pk):
        return _review_form(request, business, review, today)
    if request.method == "POST":
        messages.error(request, "This review is completed and read-only.")
        return redirect(review.get_absolute_url())
    round_reviews = selectors.round_reviews(review=review)
    return render(
        request,
        "reviews/review_detail.html",
        {
            "business": business,
            "review": review,
            "rows": selectors.review_ratings(review=review),
            "round_reviews": round_reviews,
            "round_score": _round_score(round_reviews),
            "can_add_opinion": can_edit
            and review.is_completed
            and all(r.reviewer_id != request.user.pk for r in round_reviews),
            "days_left": (review.due_date - today).days,
            "flags": list(review.flags.all()),
        },
    )


# The duties of the review form reach the template as ready HTML, one fieldset per duty:
# through the template engine its radios' variables cost more than the rest of the page.
# Every value goes through `esc` (fragments.py); the markup is the
# one the template had (each radio as RadioSelect renders it, attrs class form-check-input).


def _duty_fieldset(row: DutyRow) -> str:
    duty, name = row.duty, esc(row.rating.html_name)
    errors = row.rating.errors
    radios = "".join(
        '          <div class="form-check form-check-inline"><input type="radio" '
        f'name="{name}" value="{esc(r.value)}" class="form-check-input" id="{esc(r.id)}"'
        f'{" checked" if r.checked else ""} required><label class="form-check-label" '
        f'for="{esc(r.id)}">{esc(r.label)}</label></div>\n'
        for r in row.radios
    )
    badge = (
        '<span class="badge text-bg-dark">must have</span>'
        if duty.is_must
        else '<span class="badge text-bg-light">nice to have</span>'
    )
    measure = (
        '<p class="small text-body-secondary mb-2">Success looks like: '
        f"{esc(duty.success_measure)}</p>"
        if duty.success_measure
        else ""
    )
    comment = row.comment
    comment_id = esc(comment.auto_id)
    return (
        f'    <fieldset class="card card-body mb-3{" border-danger" if errors else ""}" '
        f'data-testid="duty-{duty.pk}">\n'
        f'      <legend class="h6 mb-1">{esc(duty.what)} {badge}</legend>\n'
        f"      {measure}\n"
        f'      <div class="mb-2" role="radiogroup" aria-label="Rating for {esc(duty.what)}">\n'
        f"{radios}"
        "      </div>\n"
        + "".join(f'      <div class="text-danger small mb-2">{esc(e)}</div>\n' for e in errors)
        + f'      <label class="form-label small" for="{comment_id}">Comment (optional)</label>\n'
        f'      <input class="form-control" type="text" name="{esc(comment.html_name)}" '
        f'id="{comment_id}" value="{esc(comment.value() or "")}" maxlength="1000">\n'
        + "".join(f'      <div class="text-danger small">{esc(e)}</div>\n' for e in comment.errors)
        + "    </fieldset>\n"
    )


def _review_form(
    request: AuthedRequest, business: Business, review: Review, today: dt.date
) -> HttpResponse:
    """The form page reads only what it shows, the job's duties to rate; the round, the
    ratings and the flags belong to the read-only page."""
    form = ReviewForm(
        request.POST if request.method == "POST" else None,
        duties=provider_selectors.job_duties(job_id=review.engagement.job_id),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.review_complete(
                review=review,
                actor=request.user,
                ratings=form.ratings(),
                notes=form.cleaned_data["notes"],
                decision=form.cleaned_data["decision"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Review saved. The scorecard shows the new score.")
            return redirect(
                "reviews:scorecard",
                business_id=business.pk,
                provider_pk=review.engagement.provider_id,
            )
    return render(
        request,
        "reviews/review_form.html",
        {
            "business": business,
            "review": review,
            "form": form,
            "duties_html": mark_safe(  # noqa: S308 — escaped piece by piece in _duty_fieldset
                "".join(_duty_fieldset(row) for row in form.duty_rows())
            ),
            "days_left": (review.due_date - today).days,
        },
    )


def _round_score(reviews: list[Review]) -> dict[str, object] | None:
    from .scoring import round_score, standing_for

    scores = [r.score for r in reviews if r.score is not None]
    if len(scores) < 2:
        return None
    score = round_score(scores)
    return {"score": score, "standing": standing_for(score), "count": len(scores)}


@login_required
@require_POST
def review_second_opinion_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id, write=True)
    review = selectors.review_get(business=business, pk=pk)
    mine = services.review_second_opinion_start(review=review, actor=request.user)
    return redirect(mine.get_absolute_url())


@login_required
@require_GET
def scorecard_view(request: AuthedRequest, business_id: UUID, provider_pk: int) -> HttpResponse:
    business = business_for(request, business_id)
    card = selectors.scorecard(business=business, provider_pk=provider_pk)
    return render(request, "reviews/scorecard.html", {"business": business, "card": card})


@login_required
@require_http_methods(["GET", "POST"])
def flag_detail_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id, write=request.method == "POST")
    flag = selectors.flag_get(business=business, pk=pk)
    form = (
        FlagResolveForm(request.POST if request.method == "POST" else None)
        if flag.is_open
        else None
    )
    if request.method == "POST":
        if form is None:
            messages.info(request, "This flag was already resolved.")
            return redirect(flag.get_absolute_url())
        if form.is_valid():
            try:
                services.flag_resolve(
                    flag=flag,
                    actor=request.user,
                    resolution=form.cleaned_data["resolution"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if form.cleaned_data["resolution"] == ReplacementFlag.Resolution.REPLACE:
                    messages.success(request, "Flag resolved: now start the replacement.")
                    return redirect(services.replace_flow_url(flag.engagement))
                messages.success(request, "Flag resolved: you keep them, with your note.")
                return redirect(flag.get_absolute_url())
    return render(
        request,
        "reviews/flag_detail.html",
        {
            "business": business,
            "flag": flag,
            "form": form,
            "engagement": flag.engagement,
            "backups": selectors.backup_candidates(engagement=flag.engagement),
            "can_edit": request.membership.can_edit,  # type: ignore[attr-defined]
        },
    )


@login_required
@require_GET
def flag_list_view(request: AuthedRequest, business_id: UUID) -> HttpResponse:
    business = business_for(request, business_id)
    show = "resolved" if request.GET.get("show") == "resolved" else "open"
    qs = (
        ReplacementFlag.objects.for_business(business)
        .filter(status=show)
        .select_related("engagement__provider", "engagement__job")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "reviews/flag_list.html", {"business": business, "page": page, "show": show}
    )


@login_required
@require_http_methods(["GET", "POST"])
def schedule_edit_view(request: AuthedRequest, business_id: UUID, pk: int) -> HttpResponse:
    business = business_for(request, business_id, write=request.method == "POST")
    engagement = selectors.engagement_for_business(business=business, pk=pk)
    schedule = selectors.schedule_for(engagement=engagement)
    form = ScheduleForm(request.POST if request.method == "POST" else None, instance=schedule)
    if request.method == "POST" and form.is_valid():
        services.review_schedule_update(
            engagement=engagement, actor=request.user, **form.cleaned_data
        )
        messages.success(request, "Review schedule saved; the next review follows it.")
        return redirect("reviews:review-list", business_id=business.pk)
    return render(
        request,
        "reviews/reviewschedule_form.html",
        {
            "business": business,
            "engagement": engagement,
            "form": form,
            "schedule": schedule,
            "can_edit": request.membership.can_edit,  # type: ignore[attr-defined]
        },
    )


# --- per user: notifications, settings, calendar --------------------------------------------


@login_required
@require_GET
def notification_list_view(request: AuthedRequest) -> HttpResponse:
    show_all = request.GET.get("show") == "all"
    qs = selectors.notification_list(user=request.user)
    if not show_all:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reviews/notification_list.html", {"page": page, "show_all": show_all})


@login_required
@require_POST
def notification_read_view(request: AuthedRequest, pk: int) -> HttpResponse:
    """Mark one notification read and open what it points at."""
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    services.notification_mark_read(user=request.user, pk=notification.pk)
    target = notification.url
    if request.POST.get("stay") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect("reviews:notification-list")
    return redirect(target)


@login_required
@require_POST
def notification_read_all_view(request: AuthedRequest) -> HttpResponse:
    n = services.notification_mark_read(user=request.user)
    messages.success(request, f"Marked {n} notification{'s' if n != 1 else ''} as read.")
    return redirect("reviews:notification-list")


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings_view(request: AuthedRequest) -> HttpResponse:
    pref = services.notification_preference_get(user=request.user)
    form = NotificationPreferenceForm(
        request.POST if request.method == "POST" else None, instance=pref
    )
    if request.method == "POST" and form.is_valid():
        services.notification_preference_update(
            user=request.user, email_enabled=form.cleaned_data["email_enabled"]
        )
        messages.success(request, "Notification settings saved.")
        return redirect("reviews:notification-settings")
    return render(request, "reviews/notificationpreference_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def calendar_view(request: AuthedRequest) -> HttpResponse:
    """ "Add to my calendar": the private feed link, and a button to make a new one."""
    if request.method == "POST":
        services.calendar_token_regenerate(user=request.user)
        messages.success(request, "New calendar link made. The old link no longer works.")
        return redirect("reviews:calendar")
    pref = NotificationPreference.objects.filter(user=request.user).first()
    feed_url = None
    if pref is not None and pref.calendar_token:
        feed_url = request.build_absolute_uri(
            reverse("reviews:calendar-feed", kwargs={"token": pref.calendar_token})
        )
    return render(request, "reviews/calendar.html", {"feed_url": feed_url})


@require_GET
def calendar_feed_view(request: AuthedRequest, token: str) -> HttpResponse:
    """The iCal feed behind a private token: no login, nothing but due dates and deadlines."""
    if len(token) < 20:
        raise Http404
    pref = (
        NotificationPreference.objects.filter(calendar_token=token, user__is_active=True)
        .select_related("user")
        .first()
    )
    if pref is None:
        raise Http404
    site = settings.SITE_URL.rstrip("/")
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Outsourcing Desk//reviews//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Outsourcing Desk")
    stamp = timezone.now()
    for ev in selectors.calendar_events(user=pref.user, site_url=site):
        event = icalendar.Event()
        event.add("uid", ev.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", ev.day)
        event.add("summary", ev.summary)
        event.add("description", f"{ev.description}\n{ev.url}")
        event.add("url", ev.url)
        cal.add_component(event)
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="outsourcing-desk.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
