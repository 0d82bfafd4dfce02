"""Pages: happy paths, bad input, other businesses (404), the private reference link."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from outsourcing.models import Membership
from providers import services
from providers.models import (
    Candidate,
    Duty,
    Engagement,
    JobDescription,
    JobTemplate,
    Provider,
    ReferenceCheck,
)
from tests.conftest import make_member
from tests.factories import OwnerTaskFactory
from tests.providers.factories import (
    CandidateFactory,
    DutyFactory,
    ExpertiseFactory,
    JobFactory,
    PackageFactory,
    ProviderFactory,
    ReferenceFactory,
    ServiceCategoryFactory,
)
from tests.providers.url_samples import template_of_someone_else

D = Decimal


def url(name, business, **kwargs):
    return reverse(f"providers:{name}", kwargs={"business_id": business.pk, **kwargs})


def job_post(title="Bookkeeper", duties=(), tasks=(), expertise=(), **extra):
    data = {
        "title": title,
        "goals": "Books closed by the 5th",
        "monthly_budget": "800",
        "duties-TOTAL_FORMS": str(len(duties)),
        "duties-INITIAL_FORMS": "0",
        "expertise-TOTAL_FORMS": str(len(expertise)),
        "expertise-INITIAL_FORMS": "0",
        "tasks": [t.pk for t in tasks],
    }
    for i, (what, importance) in enumerate(duties):
        data[f"duties-{i}-what"] = what
        data[f"duties-{i}-importance"] = importance
    for i, exp in enumerate(expertise):
        data[f"expertise-{i}-expertise"] = exp.pk
        data[f"expertise-{i}-importance"] = "must"
    data.update(extra)
    return data


# --- catalog ----------------------------------------------------------------------------------


def test_provider_list_filters_and_hides_other_business_private_rows(owner_client, owner, outsider):
    books = ServiceCategoryFactory(name="Bookkeeping", slug="bookkeeping")
    payroll_law = ExpertiseFactory(name="Payroll law")
    a = ProviderFactory(name="Acme Books", is_local_small_business=True)
    a.categories.add(books)
    a.expertise.add(payroll_law)
    ProviderFactory(name="Big Corp")
    ProviderFactory(name="Mine Ltd", business=owner.business)
    ProviderFactory(name="Secret Of Other", business=outsider.business)
    ProviderFactory(name="Retired", active=False)
    page = owner_client.get(url("provider-list", owner.business)).content.decode()
    assert "Acme Books" in page and "Big Corp" in page and "Mine Ltd" in page
    assert "Secret Of Other" not in page and "Retired" not in page
    for query in (
        {"category": books.pk},
        {"expertise": payroll_law.pk},
        {"local": "on"},
        {"q": "acme"},
    ):
        page = owner_client.get(url("provider-list", owner.business), query).content.decode()
        assert "Acme Books" in page and "Big Corp" not in page, query
    page = owner_client.get(
        url("provider-list", owner.business), {"category": "nonsense"}
    ).content.decode()
    assert "Select a valid choice" not in page or "Acme Books" in page


def test_other_business_private_provider_is_404(owner_client, owner, outsider):
    theirs = ProviderFactory(business=outsider.business)
    assert owner_client.get(url("provider-detail", owner.business, pk=theirs.pk)).status_code == 404
    catalog = ProviderFactory()
    assert owner_client.get(url("provider-edit", owner.business, pk=catalog.pk)).status_code == 404
    assert (
        owner_client.post(
            url("provider-edit", owner.business, pk=catalog.pk), {"name": "x"}
        ).status_code
        == 404
    )


def test_private_provider_create(owner_client, owner):
    response = owner_client.post(
        url("provider-create", owner.business), {"name": "My Accountant", "website": "example.com"}
    )
    provider = Provider.objects.get()
    assert provider.business == owner.business
    assert response.status_code == 302
    response = owner_client.post(url("provider-create", owner.business), {"name": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()


# --- job descriptions ---------------------------------------------------------------------------


def test_job_create_with_duties_and_expertise(owner_client, owner):
    task = OwnerTaskFactory(business=owner.business)
    exp = ExpertiseFactory()
    response = owner_client.post(
        url("job-create", owner.business),
        job_post(
            duties=[("Reconcile bank", "must"), ("Invoices", "nice"), ("", "must")],
            tasks=[task],
            expertise=[exp],
        ),
    )
    job = JobDescription.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert [d.what for d in job.duties.all()] == ["Reconcile bank", "Invoices"]
    assert job.requirements.get().expertise == exp
    page = owner_client.get(job.get_absolute_url()).content.decode()
    assert "Reconcile bank" in page and "Shortlist a provider" in page


def test_job_create_bad_input_keeps_what_was_typed(owner_client, owner):
    response = owner_client.post(
        url("job-create", owner.business),
        job_post(title="", duties=[("Reconcile bank", "must")], monthly_budget="-5"),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "This field is required" in page
        and "Ensure this value is greater than or equal to 0" in page
    )
    assert 'value="Reconcile bank"' in page
    assert not JobDescription.objects.exists()


def test_job_create_needs_a_duty(owner_client, owner):
    response = owner_client.post(url("job-create", owner.business), job_post(duties=[("", "must")]))
    assert "Write at least one duty" in response.content.decode()
    assert not JobDescription.objects.exists()


def test_job_create_refuses_another_business_task(owner_client, owner, outsider):
    OwnerTaskFactory(business=owner.business)
    foreign = OwnerTaskFactory(business=outsider.business)
    response = owner_client.post(
        url("job-create", owner.business), job_post(duties=[("A", "must")], tasks=[foreign])
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not JobDescription.objects.exists()


def test_job_add_row_without_javascript(owner_client, owner):
    response = owner_client.post(
        url("job-create", owner.business),
        job_post(duties=[("Reconcile bank", "must")], more_duties="1"),
    )
    page = response.content.decode()
    assert 'name="duties-TOTAL_FORMS" value="2"' in page and 'name="duties-1-what"' in page
    assert not JobDescription.objects.exists()


def test_job_edit_removes_a_duty(owner_client, owner):
    job = JobFactory(business=owner.business)
    keep = DutyFactory(job=job, what="Keep me")
    drop = DutyFactory(job=job, what="Drop me")
    data = job_post(title=job.title)
    data.update(
        {
            "duties-TOTAL_FORMS": "3",
            "duties-INITIAL_FORMS": "2",
            "duties-0-id": keep.pk,
            "duties-0-what": "Keep me",
            "duties-0-importance": "must",
            "duties-1-id": drop.pk,
            "duties-1-what": "Drop me",
            "duties-1-importance": "must",
            "duties-1-DELETE": "on",
            "duties-2-what": "",
            "duties-2-importance": "must",
        }
    )
    response = owner_client.post(url("job-edit", owner.business, pk=job.pk), data)
    assert response.status_code == 302
    assert list(Duty.objects.values_list("what", flat=True)) == ["Keep me"]


def test_job_pages_of_another_business_are_404(owner_client, owner, outsider):
    theirs = JobFactory(business=outsider.business)
    for name in ("job-detail", "job-edit", "job-print", "job-compare", "candidate-add"):
        assert owner_client.get(url(name, owner.business, pk=theirs.pk)).status_code == 404, name
        assert owner_client.get(url(name, outsider.business, pk=theirs.pk)).status_code == 404, name


def test_view_only_coach_can_read_but_not_write(client, owner):
    coach = make_member(
        role=Membership.Role.COACH, access=Membership.Access.VIEW, business=owner.business
    )
    job = JobFactory(business=owner.business)
    client.force_login(coach.user)
    assert client.get(job.get_absolute_url()).status_code == 200
    assert client.get(url("job-edit", owner.business, pk=job.pk)).status_code == 403
    assert (
        client.post(url("job-create", owner.business), job_post(duties=[("A", "must")])).status_code
        == 403
    )
    assert JobDescription.objects.count() == 1


def test_job_print_has_duties_and_print_css(owner_client, owner):
    job = JobFactory(business=owner.business, title="Payroll")
    DutyFactory(job=job, what="Run payroll")
    page = owner_client.get(url("job-print", owner.business, pk=job.pk)).content.decode()
    assert "Run payroll" in page and "providers_print.css" in page and "<nav" not in page


# --- shortlist and candidate page -----------------------------------------------------------


def test_candidate_add_and_page_shows_coverage_and_extras(owner_client, owner):
    job = JobFactory(business=owner.business)
    DutyFactory(job=job, what="Monthly bookkeeping")
    package = PackageFactory(
        price=D("800"),
        included_services="Monthly bookkeeping\nAnnual tax return\nCFO call\nPayroll runs",
    )
    response = owner_client.post(
        url("candidate-add", owner.business, pk=job.pk),
        {"provider": package.provider.pk, "package": package.pk},
    )
    candidate = Candidate.objects.get()
    assert response.status_code == 302
    page = owner_client.get(candidate.get_absolute_url()).content.decode()
    assert "More than you need" in page and "Annual tax return" in page
    assert "600.00 USD" in page  # 3 of 4 lines unused: a rough 75% of 800


def test_candidate_add_bad_input(owner_client, owner, outsider):
    job = JobFactory(business=owner.business)
    theirs = ProviderFactory(business=outsider.business)
    package = PackageFactory()
    provider = ProviderFactory()
    response = owner_client.post(
        url("candidate-add", owner.business, pk=job.pk), {"provider": theirs.pk}
    )
    assert "Select a valid choice" in response.content.decode()
    response = owner_client.post(
        url("candidate-add", owner.business, pk=job.pk),
        {"provider": provider.pk, "package": package.pk, "quoted_monthly_price": "-1"},
    )
    page = response.content.decode()
    assert "is not one of" in page and "greater than or equal to 0" in page
    assert not Candidate.objects.exists()


def test_candidate_assess_needs_an_amount_for_extra_cost(owner_client, owner):
    job = JobFactory(business=owner.business)
    duty = DutyFactory(job=job)
    candidate = CandidateFactory(job=job)
    response = owner_client.post(
        url("candidate-assess", owner.business, pk=candidate.pk), {f"cov_{duty.pk}": "extra_cost"}
    )
    assert response.status_code == 400 and "How much extra per month" in response.content.decode()
    response = owner_client.post(
        url("candidate-assess", owner.business, pk=candidate.pk),
        {f"cov_{duty.pk}": "extra_cost", f"extra_{duty.pk}": "25"},
    )
    assert response.status_code == 302
    assert candidate.coverages.get().extra_monthly_cost == D("25")


def test_candidate_of_another_business_is_404(owner_client, owner, outsider):
    theirs = CandidateFactory(job=JobFactory(business=outsider.business))
    for name in ("candidate-detail", "candidate-edit", "candidate-hire", "candidate-assess"):
        assert owner_client.get(url(name, owner.business, pk=theirs.pk)).status_code in (
            404,
            405,
        ), name
        assert owner_client.post(url(name, owner.business, pk=theirs.pk)).status_code == 404, name


def test_compare_ranks_and_explains(owner_client, owner):
    job = JobFactory(business=owner.business)
    duty = DutyFactory(job=job)
    good = CandidateFactory(job=job, provider=ProviderFactory(name="Good Books"))
    good.coverages.create(duty=duty, coverage="covered")
    CandidateFactory(job=job, provider=ProviderFactory(name="Gappy Books"))
    page = owner_client.get(url("job-compare", owner.business, pk=job.pk)).content.decode()
    assert "How they are ranked" in page
    assert page.index("Good Books") < page.index("Gappy Books")


# --- references ----------------------------------------------------------------------------------


@pytest.fixture
def reference(owner):
    job = JobFactory(business=owner.business, goals="SECRET GOAL", monthly_budget=D("4321"))
    DutyFactory(job=job, what="Monthly bookkeeping")
    candidate = CandidateFactory(
        job=job, provider=ProviderFactory(name="Acme Books"), quoted_monthly_price=D("777")
    )
    return ReferenceFactory(candidate=candidate, name="Pat", contact="by phone")


def test_reference_link_is_shown_once_and_answers_without_account(client, owner, reference):
    client.force_login(owner.user)
    client.post(url("reference-link", owner.business, pk=reference.pk))
    page = client.get(reference.candidate.get_absolute_url()).content.decode()
    start = page.index("/r/")
    link = page[start : page.index('"', start)]
    assert "/r/" in link
    again = client.get(reference.candidate.get_absolute_url()).content.decode()
    assert link not in again  # shown once: only the hash is stored
    client.logout()

    form = client.get(link)
    body = form.content.decode()
    assert form.status_code == 200 and "Acme Books" in body and "Monthly bookkeeping" in body
    for secret in ("SECRET GOAL", "4321", "777", "Other candidates"):
        assert secret not in body
    duty = reference.candidate.job.duties.get()
    response = client.post(
        link, {f"rating_{duty.pk}": "5", f"comment_{duty.pk}": "Spot on", "would_hire_again": "yes"}
    )
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    reference.refresh_from_db()
    assert reference.status == ReferenceCheck.Status.ANSWERED and reference.would_hire_again is True
    used = client.get(link)
    assert used.status_code == 410 and "already in" in used.content.decode()
    assert client.post(link, {f"rating_{duty.pk}": "1"}).status_code == 410


def test_reference_link_bad_input_keeps_answers(client, owner, reference):
    token = services.reference_link_create(reference=reference, actor=owner.user)
    duty = reference.candidate.job.duties.get()
    link = reverse("providers:reference-answer", kwargs={"token": token})
    response = client.post(link, {f"comment_{duty.pk}": "kept text", "comment": "overall"})
    body = response.content.decode()
    assert response.status_code == 400 and "Rate at least one duty" in body and "kept text" in body
    response = client.post(link, {f"rating_{duty.pk}": "9"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    reference.refresh_from_db()
    assert reference.answered_at is None


def test_reference_link_expired_and_bogus(client, owner, reference):
    token = services.reference_link_create(
        reference=reference, actor=owner.user, now=timezone.now() - timedelta(days=20)
    )
    response = client.get(reverse("providers:reference-answer", kwargs={"token": token}))
    assert response.status_code == 410 and "expired" in response.content.decode()
    for bogus in ("nope", "x" * 300, token[:-1] + ("A" if token[-1] != "A" else "B")):
        response = client.get(reverse("providers:reference-answer", kwargs={"token": bogus}))
        assert response.status_code == 404 and "does not work" in response.content.decode()


def test_reference_link_opens_only_its_own_reference(client, owner, outsider, reference):
    other_job = JobFactory(business=outsider.business, title="THEIR JOB")
    DutyFactory(job=other_job, what="THEIR DUTY")
    other_ref = ReferenceFactory(candidate=CandidateFactory(job=other_job))
    services.reference_link_create(reference=other_ref, actor=outsider.user)
    token = services.reference_link_create(reference=reference, actor=owner.user)
    body = client.get(
        reverse("providers:reference-answer", kwargs={"token": token})
    ).content.decode()
    assert "THEIR" not in body and outsider.business.name not in body


def test_reference_record_by_owner(owner_client, owner, reference):
    duty = reference.candidate.job.duties.get()
    response = owner_client.post(
        url("reference-record", owner.business, pk=reference.pk),
        {"status": "answered", f"rating_{duty.pk}": "3", "would_hire_again": "no"},
    )
    assert response.status_code == 302
    reference.refresh_from_db()
    assert reference.would_hire_again is False and reference.feedback.get().rating == 3


def test_reference_add_bad_input(owner_client, owner, reference):
    response = owner_client.post(
        url("reference-add", owner.business, pk=reference.candidate.pk), {"name": ""}
    )
    assert response.status_code == 400 and "This field is required" in response.content.decode()


# --- hiring ---------------------------------------------------------------------------------------


def test_hire_end_and_replace_pages(owner_client, owner):
    job = JobFactory(business=owner.business)
    DutyFactory(job=job)
    task = OwnerTaskFactory(business=owner.business)
    job.tasks.set([task])
    first = CandidateFactory(job=job, provider=ProviderFactory(name="First Co"))
    backup = CandidateFactory(job=job, provider=ProviderFactory(name="Backup Co"))
    response = owner_client.post(
        url("candidate-hire", owner.business, pk=first.pk),
        {
            "kind": "ongoing",
            "start_date": "2026-01-01",
            "agreed_price": "900",
            "billing_period": "monthly",
            "notice_period_days": "30",
            "renewal_date": "2026-12-31",
            "exit_how_to_give_notice": "E-mail the partner",
            "backup_candidate": backup.pk,
        },
    )
    engagement = Engagement.objects.get()
    assert response.status_code == 302 and response["Location"] == engagement.get_absolute_url()
    page = owner_client.get(engagement.get_absolute_url()).content.decode()
    assert (
        "E-mail the partner" in page and "Backup Co" in page and "1 Dec 2026" in page
    )  # notice by
    assert "First Co" in owner_client.get(url("engagement-list", owner.business)).content.decode()

    response = owner_client.post(
        url("engagement-replace", owner.business, pk=engagement.pk),
        {
            "backup": backup.pk,
            "reason": "Late twice",
            "start_date": "2026-05-01",
            "agreed_price": "700",
            "billing_period": "monthly",
            "notice_period_days": "30",
        },
    )
    new = Engagement.objects.get(candidate=backup)
    assert response.status_code == 302
    engagement.refresh_from_db()
    assert engagement.status == "ended" and engagement.replaced_by == new
    response = owner_client.post(
        url("engagement-end", owner.business, pk=new.pk), {"ended_on": "2026-04-01", "reason": "x"}
    )
    assert response.status_code == 200 and "before the start date" in response.content.decode()
    response = owner_client.post(
        url("engagement-end", owner.business, pk=new.pk), {"ended_on": "2026-08-01", "reason": ""}
    )
    assert "This field is required" in response.content.decode()
    response = owner_client.post(
        url("engagement-end", owner.business, pk=new.pk),
        {"ended_on": "2026-08-01", "reason": "Closing shop"},
    )
    assert response.status_code == 302
    assert Engagement.objects.filter(status="ended").count() == 2


def test_hire_bad_input(owner_client, owner):
    job = JobFactory(business=owner.business)
    candidate = CandidateFactory(job=job)
    other_job_candidate = CandidateFactory(job=JobFactory(business=owner.business))
    response = owner_client.post(
        url("candidate-hire", owner.business, pk=candidate.pk),
        {
            "kind": "ongoing",
            "start_date": "2026-05-01",
            "agreed_price": "abc",
            "billing_period": "monthly",
            "notice_period_days": "30",
            "renewal_date": "2026-01-01",
            "backup_candidate": other_job_candidate.pk,
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "Enter a number" in page
        and "before the start date" in page
        and "Select a valid choice" in page
    )
    assert not Engagement.objects.exists()


def test_engagement_of_another_business_is_404(owner_client, owner, outsider):
    job = JobFactory(business=outsider.business)
    candidate = CandidateFactory(job=job)
    theirs = services.engagement_hire(
        candidate=candidate,
        actor=outsider.user,
        start_date=timezone.localdate(),
        agreed_price=D("1"),
    )
    for name in ("engagement-detail", "engagement-end", "engagement-replace"):
        assert owner_client.get(url(name, owner.business, pk=theirs.pk)).status_code == 404
        assert (
            owner_client.post(
                url(name, owner.business, pk=theirs.pk), {"reason": "x", "ended_on": "2030-01-01"}
            ).status_code
            == 404
        )
    theirs.refresh_from_db()
    assert theirs.status == "active"


# --- library ------------------------------------------------------------------------------------


def test_save_as_template_and_copy_into_business(owner_client, owner):
    job = JobFactory(business=owner.business, title="Payroll")
    DutyFactory(job=job, what="Run payroll")
    response = owner_client.post(url("job-save-template", owner.business, pk=job.pk))
    template = JobTemplate.objects.get()
    assert response["Location"] == template.get_absolute_url()
    assert "Payroll" in owner_client.get(reverse("providers:template-list")).content.decode()
    response = owner_client.post(
        reverse("providers:template-copy", kwargs={"pk": template.pk}),
        {"business": owner.business.pk},
    )
    assert response.status_code == 302
    assert JobDescription.objects.filter(title="Payroll").count() == 2
    assert Duty.objects.filter(what="Run payroll").count() == 2


def test_template_of_another_user_is_not_found(owner_client, owner):
    theirs = template_of_someone_else()
    for name in ("template-detail", "template-copy", "template-delete"):
        target = reverse(f"providers:{name}", kwargs={"pk": theirs.pk})
        assert owner_client.get(target).status_code in (404, 405)
        assert owner_client.post(target, {"business": owner.business.pk}).status_code == 404
    assert JobTemplate.objects.filter(pk=theirs.pk).exists()
    assert not JobDescription.objects.exists()


def test_template_copy_into_a_business_without_edit_access_is_refused(
    owner_client, owner, outsider
):
    job = JobFactory(business=owner.business)
    template = services.template_create_from_job(job=job, actor=owner.user)
    viewer_business = make_member(role=Membership.Role.OWNER).business
    Membership.objects.create(
        user=owner.user, business=viewer_business, role="coach", access="view"
    )
    for target in (outsider.business, viewer_business):
        response = owner_client.post(
            reverse("providers:template-copy", kwargs={"pk": template.pk}), {"business": target.pk}
        )
        assert response.status_code == 302 and response["Location"] == template.get_absolute_url()
    assert JobDescription.objects.count() == 1


def test_view_only_coach_sees_no_write_buttons(client, owner):
    coach = make_member(
        role=Membership.Role.COACH, access=Membership.Access.VIEW, business=owner.business
    )
    job = JobFactory(business=owner.business)
    DutyFactory(job=job)
    candidate = CandidateFactory(job=job)
    ReferenceFactory(candidate=candidate)
    client.force_login(coach.user)
    pages = {
        url("job-list", owner.business): ["Write a job description"],
        job.get_absolute_url(): ["Save as template", "Shortlist a provider", ">Edit<"],
        candidate.get_absolute_url(): [
            "Send private link",
            "Add a reference",
            "Hire ",
            "Save coverage",
        ],
        url("job-compare", owner.business, pk=job.pk): [">Hire<"],
        url("provider-list", owner.business): ["Add your own provider"],
    }
    for page_url, hidden in pages.items():
        body = client.get(page_url).content.decode()
        for text in hidden:
            assert text not in body, (page_url, text)


@pytest.mark.parametrize("odd", ["²", "٣", "1²", "½", "-1", ""])
def test_unicode_digits_in_numbers_from_the_url_or_the_form_are_not_a_500(owner_client, owner, odd):
    """str.isdigit() says yes to "²" but int() and the database say no: every number these
    pages read from the query string or a hidden field is checked as ASCII digits."""
    b = owner.business.pk
    job = JobFactory(business=owner.business)
    DutyFactory(job=job)
    pages = [
        reverse("providers:job-create", kwargs={"business_id": b}) + f"?task={odd}",
        reverse("providers:candidate-add", kwargs={"business_id": b, "pk": job.pk})
        + f"?provider={odd}&package={odd}",
    ]
    for url in pages:
        assert owner_client.get(url).status_code == 200, url
    edit = reverse("providers:job-edit", kwargs={"business_id": b, "pk": job.pk})
    page = owner_client.post(edit, {"duties-TOTAL_FORMS": odd, "more_duties": "1"})
    assert page.status_code == 200  # the same page, with one more duty row
    created = owner_client.post(
        reverse("providers:provider-create", kwargs={"business_id": b}) + f"?job={odd}",
        {"name": f"Provider {odd}"},
    )
    assert created.status_code == 302  # saved; no job to go back to, so the provider page
