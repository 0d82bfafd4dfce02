"""The review form page: a fixed number of queries, and a re-shown form keeps what was typed
and says what is wrong (the fields are written out by hand, not rendered by crispy-forms)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.template import engines
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from providers.models import Duty, Importance
from reviews import services
from reviews.forms import ReviewForm
from reviews.models import DutyRating, ReplacementFlag, Review

from .factories import engagement_for, ratings_all

pytestmark = pytest.mark.django_db


def due_review(business, **kwargs) -> Review:
    engagement = engagement_for(business, **kwargs)
    services.review_next_create(engagement=engagement)
    return Review.objects.get(engagement=engagement, status=Review.Status.DUE)


def squeeze(html: str) -> str:
    """The markup with whitespace between and inside tags evened out."""
    html = re.sub(r"\s+", " ", html)
    html = re.sub(r"\s*(<|>)\s*", r"\1", html)
    return re.sub(r'\s+"', ' "', html).replace("<div >", "<div>")


def section(page: str, start: str, end: str) -> str:
    i = page.index(start)
    return page[i : page.index(end, i)]


def test_form_page_queries_do_not_grow_with_duties_rounds_or_flags(
    owner_client, owner, count_queries
):
    review = due_review(owner.business)
    url = review.get_absolute_url()
    few = count_queries(lambda: owner_client.get(url))
    engagement = review.engagement
    for i in range(8):
        Duty.objects.create(job=engagement.job, what=f"Duty {i}", importance=Importance.NICE)
    # earlier completed rounds with ratings, and a flag on this review
    for _ in range(3):
        services.review_complete(
            review=review,
            actor=owner.user,
            ratings=ratings_all(engagement, 2),
            notes="",
            decision="watch",
        )
        review = Review.objects.get(engagement=engagement, status=Review.Status.DUE)
    ReplacementFlag.objects.get_or_create(
        engagement=engagement,
        reason=ReplacementFlag.Reason.OWNER_DECISION,
        status=ReplacementFlag.Status.OPEN,
        defaults={"review": review, "detail": "Owner said so"},
    )
    url = review.get_absolute_url()
    page = owner_client.get(url).content.decode()
    assert page.count('role="radiogroup"') == 10
    assert count_queries(lambda: owner_client.get(url)) == few


def test_form_page_reads_the_duties_once_and_no_ratings_round_or_flags(owner_client, owner):
    """The form shows the duties to rate; ratings, the round and flags are the read-only
    page's, so the form does not read them."""
    review = due_review(owner.business)
    with CaptureQueriesContext(connection) as ctx:
        response = owner_client.get(review.get_absolute_url())
    assert b'data-testid="review-form"' in response.content
    sql = [q["sql"] for q in ctx.captured_queries]
    assert sum('FROM "providers_duty"' in q for q in sql) == 1
    assert sum('FROM "reviews_review"' in q for q in sql) == 1
    for table in ("reviews_dutyrating", "reviews_replacementflag"):
        assert not any(table in q for q in sql), table


def test_bad_input_keeps_every_value_and_shows_every_error(owner_client, owner):
    review = due_review(owner.business)
    first, second = review.engagement.job.duties.order_by("order", "pk")
    data = {
        f"rating_{first.pk}": "2",
        f"comment_{first.pk}": "late <twice> & sloppy",
        f"rating_{second.pk}": "",  # missing
        f"comment_{second.pk}": "x" * 1001,  # too long
        "notes": "n" * 4001,  # too long
        "decision": "watch",
    }
    response = owner_client.post(review.get_absolute_url(), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert not DutyRating.objects.exists()
    review.refresh_from_db()
    assert not review.is_completed
    # the ticked rating and the typed comment are kept (escaped)
    assert f'id="id_rating_{first.pk}_3" checked required>' in page
    assert page.count(" checked required>") == 1
    assert 'value="late &lt;twice&gt; &amp; sloppy"' in page
    # the missing rating: its card is marked and it says why
    card = section(page, f'data-testid="duty-{second.pk}"', "</fieldset>")
    assert "Rate this duty from 1 to 5." in card
    assert "Ensure this value has at most 1000 characters (it has 1001)." in card
    assert f'value="{"x" * 1001}"' in card
    # the notes: kept, marked invalid and described by their error
    notes = section(page, 'id="div_id_notes"', "</textarea>")
    assert 'class="textarea form-control is-invalid"' in notes
    assert 'aria-invalid="true" aria-describedby="id_notes_error"' in notes
    assert "n" * 4001 in notes
    assert (
        '<div id="id_notes_error" class="invalid-feedback"><p id="error_1_id_notes"><strong>'
        "Ensure this value has at most 4000 characters (it has 4001).</strong></p></div>"
    ) in page
    # the decision stays chosen and is not marked invalid
    decision = section(page, 'id="div_id_decision"', "</fieldset>")
    assert 'value="watch" id="id_decision_1" required checked>' in decision
    assert "is-invalid" not in decision and "aria-describedby" not in decision


def test_missing_decision_is_marked_on_the_group_and_each_radio(owner_client, owner):
    review = due_review(owner.business)
    data = {f"rating_{d.pk}": "4" for d in review.engagement.job.duties.all()}
    data["notes"] = "Fine"
    page = owner_client.post(review.get_absolute_url(), data).content.decode()
    decision = section(page, 'id="div_id_decision"', "</fieldset>")
    assert '<fieldset aria-describedby="id_decision_error">' in decision
    assert decision.count('class="form-check-input is-invalid"') == 3
    assert decision.count('aria-invalid="true"') == 3
    assert (
        '<div id="id_decision_error" class="invalid-feedback"><p id="error_1_id_decision">'
        "<strong>Choose keep, watch or replace.</strong></p></div>"
    ) in decision
    assert page.count(" checked required>") == 2  # both ratings stay ticked
    assert ">\nFine</textarea>" in page


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"notes": "Good <b>work</b>", "decision": "replace"},
        {"notes": "x" * 4001, "decision": "nope"},
        {"notes": "", "decision": ""},
    ],
    ids=["blank", "valid", "both-invalid", "missing"],
)
def test_notes_and_decision_render_as_crispy_forms_did(owner, data):
    """The written-out notes and decision are crispy-forms' Bootstrap 5 markup, whitespace
    aside, whatever the state of the form."""
    review = due_review(owner.business)
    duties = list(review.engagement.job.duties.all())
    form = ReviewForm(data, duties=duties)
    form.is_valid()
    crispy = engines["django"].from_string(
        "{% load crispy_forms_tags %}{{ form.notes|as_crispy_field }}"
        "{{ form.decision|as_crispy_field }}"
    )
    page = engines["django"].get_template("reviews/review_form.html")
    request = RequestFactory().get("/")
    request.user = owner.user
    html = page.render(
        {"form": form, "review": review, "business": owner.business, "days_left": 3}, request
    )
    ours = section(html, '<div id="div_id_notes"', '<button type="submit"')
    ours = re.sub(r"\{#.*?#\}", "", ours)
    assert squeeze(ours) == squeeze(crispy.render({"form": form}))


def test_duty_texts_and_comments_are_escaped(owner_client, owner):
    review = due_review(
        owner.business,
        duties=(('Pay "bills" <now>', Importance.MUST), ("Tidy & file", Importance.NICE)),
    )
    first, second = review.engagement.job.duties.order_by("order", "pk")
    Duty.objects.filter(pk=second.pk).update(success_measure="<b>zero</b> late fees")
    data = {f"rating_{first.pk}": "5", f"comment_{first.pk}": '"quoted" <i>', "decision": "keep"}
    page = owner_client.post(review.get_absolute_url(), data).content.decode()
    assert "<now>" not in page and "<b>zero" not in page and '"quoted"' not in page
    assert (
        '<legend class="h6 mb-1">Pay &quot;bills&quot; &lt;now&gt; '
        '<span class="badge text-bg-dark">must have</span></legend>'
    ) in page
    assert 'aria-label="Rating for Tidy &amp; file"' in page
    assert "Success looks like: &lt;b&gt;zero&lt;/b&gt; late fees</p>" in page
    assert 'value="&quot;quoted&quot; &lt;i&gt;" maxlength="1000">' in page
    assert (
        f'<fieldset class="card card-body mb-3 border-danger" data-testid="duty-{second.pk}">'
    ) in page
    assert f'<fieldset class="card card-body mb-3" data-testid="duty-{first.pk}">' in page
    assert "Rate this duty from 1 to 5." in section(page, f"duty-{second.pk}", "</fieldset>")


def test_a_job_without_duties_says_so(owner_client, owner):
    review = due_review(owner.business, duties=())
    page = owner_client.get(review.get_absolute_url()).content.decode()
    assert "This job description has no duties to rate yet." in page
    assert 'role="radiogroup"' not in page
