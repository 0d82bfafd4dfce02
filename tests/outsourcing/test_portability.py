"""Export everything and delete the business: every table of every app, found generically."""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io
import logging
import secrets
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from outsourcing import portability
from outsourcing.models import Business, Invitation, Membership, OwnerTask
from tests.conftest import Member, make_member
from tests.factories import MembershipFactory, OwnerTaskFactory, UserFactory

SAMPLE_MODULES = [
    "tests.outsourcing.url_samples",
    "tests.providers.url_samples",
    "tests.reviews.url_samples",
    "tests.coach.url_samples",
]


def _model(label: str) -> Any:
    return apps.get_model(label)


def seed_everything(business: Business) -> None:
    """Rows in every table of the business, through every app (ORM only: no app import).

    The url_samples of every app seed their own objects too, so a new app's rows land here
    as soon as it samples its URLs. History includes a job deleted with its candidate: its
    history rows are still the business's.
    """
    for dotted in SAMPLE_MODULES:
        try:
            module = importlib.import_module(dotted)
        except ModuleNotFoundError:
            continue
        module.samples(business)

    Provider = _model("providers.Provider")
    Package = _model("providers.Package")
    Expertise = _model("providers.Expertise")
    ServiceCategory = _model("providers.ServiceCategory")
    Job = _model("providers.JobDescription")
    Duty = _model("providers.Duty")
    Candidate = _model("providers.Candidate")
    Engagement = _model("providers.Engagement")

    owner = Membership.objects.filter(business=business, role=Membership.Role.OWNER).first()
    user = owner.user if owner else UserFactory()
    MembershipFactory(business=business, role=Membership.Role.COACH)
    Invitation.objects.create(
        business=business,
        email="someone@example.com",
        role=Membership.Role.COACH,
        token_hash=secrets.token_hex(32),
        invited_by=user,
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    task = OwnerTaskFactory(business=business, name='=HYPERLINK("http://evil")')
    task.notes = "changed once"
    task.save()

    category, _ = ServiceCategory.objects.get_or_create(slug="bookkeeping", name="Bookkeeping")
    expertise, _ = Expertise.objects.get_or_create(name="Payroll law", category=category)
    catalog = Provider.objects.create(name=f"Catalog {secrets.token_hex(4)}")
    catalog_package = Package.objects.create(provider=catalog, name="Basic", price=Decimal("99"))
    private = Provider.objects.create(business=business, name="Private Co", phone="+1 555")
    private.categories.add(category)
    private.expertise.add(expertise)
    Package.objects.create(provider=private, name="Own package", price=Decimal("10"))

    job = Job.objects.create(business=business, title="Books", category=category)
    job.tasks.add(task)
    duty = Duty.objects.create(job=job, what="-Close the month")
    _model("providers.ExpertiseRequirement").objects.create(job=job, expertise=expertise)
    candidate = Candidate.objects.create(job=job, provider=catalog, package=catalog_package)
    own = Candidate.objects.create(job=job, provider=private)
    _model("providers.DutyCoverage").objects.create(candidate=candidate, duty=duty)
    _model("providers.ExpertiseCheck").objects.create(candidate=candidate, expertise=expertise)
    reference = _model("providers.ReferenceCheck").objects.create(
        candidate=candidate, name="@Ref", token_hash=secrets.token_hex(32)
    )
    _model("providers.ReferenceDutyFeedback").objects.create(
        reference=reference, duty=duty, rating=4, comment="+good"
    )
    engagement = Engagement.objects.create(
        business=business,
        job=job,
        candidate=candidate,
        provider=catalog,
        package=catalog_package,
        start_date=dt.date(2025, 1, 1),
        agreed_price=Decimal("99"),
        backup_candidate=own,
    )
    _model("reviews.ReviewSchedule").objects.create(engagement=engagement)
    review = _model("reviews.Review").objects.create(
        engagement=engagement, due_date=dt.date(2025, 4, 1), reviewer=user
    )
    _model("reviews.DutyRating").objects.create(review=review, duty=duty, rating=2)
    _model("reviews.ReplacementFlag").objects.create(
        engagement=engagement, review=review, reason="two_watch"
    )
    delivery = _model("reviews.ReminderDelivery").objects.create(
        engagement=engagement,
        review=review,
        due_date=review.due_date,
        kind="review_soon",
        recipient=user,
        subject="Review due",
        body="Soon",
    )
    _model("reviews.Notification").objects.create(
        user=user, business=business, delivery=delivery, text="Review due"
    )

    gone_job = Job.objects.create(business=business, title="Deleted later")
    gone = Candidate.objects.create(job=gone_job, provider=private)
    gone.delete()
    gone_job.delete()


def _snapshot() -> dict[str, dict[Any, tuple[Any, ...]]]:
    """Every row of every project table, by primary key."""
    return {
        model._meta.label: {row[0]: row for row in _rows(model)}
        for model in portability.project_models()
    }


def _rows(model: Any) -> list[tuple[Any, ...]]:
    pk = model._meta.pk.attname
    columns = [pk] + [f.attname for f in model._meta.concrete_fields if f.attname != pk]
    return list(model._base_manager.order_by("pk").values_list(*columns))


def _owned_pks(business: Business) -> dict[str, set[Any]]:
    return {
        model._meta.label: set(
            portability.business_rows(model, business).values_list("pk", flat=True)
        )
        for model in portability.business_models()
    }


def _unzip(content: bytes) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name: list(csv.DictReader(io.TextIOWrapper(archive.open(name), encoding="utf-8")))
            for name in archive.namelist()
            if name.endswith(".csv")
        }


# --- Every model is placed ------------------------------------------------------------------


def test_every_project_model_has_a_path_to_business_or_is_declared_global():
    assert portability.unplaced_models() == [], (
        "These models have no foreign-key path to Business: give them one (a `business` key "
        "or a parent that has one) or add them to portability.GLOBAL_MODELS if they hold no "
        "business's data"
    )


def test_paths_follow_the_parents():
    path = portability.business_path
    assert path(Business).fields == ()
    assert path(OwnerTask).fields == ("business",)
    assert path(_model("providers.Duty")).fields == ("job", "business")
    assert path(_model("providers.Candidate")).fields == ("job", "business")  # not provider
    assert path(_model("reviews.DutyRating")).fields == ("review", "engagement", "business")
    assert path(_model("providers.Provider")).required is False  # catalog rows exist
    assert path(OwnerTask.history.model).fields == ("business",)
    assert path(_model("providers.ServiceCategory")) is None
    for label in portability.GLOBAL_MODELS:
        assert path(_model(label)) is None, f"{label} has a path: it is not global"


# --- Export ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_round_trip_holds_every_row_of_the_business(client: Any, owner: Member):
    other = make_member(role=Membership.Role.OWNER)
    seed_everything(owner.business)
    seed_everything(other.business)
    owned = _owned_pks(owner.business)
    empty = sorted(label for label, pks in owned.items() if not pks)
    assert not empty, f"seed_everything leaves these tables empty, so the test proves less: {empty}"

    client.force_login(owner.user)
    response = client.post(reverse("outsourcing:business-export", args=[owner.business.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment;" in response["Content-Disposition"]
    files = _unzip(b"".join(response.streaming_content))

    for model in portability.business_models():
        name = portability.export_file_name(model)
        assert name in files, f"{name} missing from the export"
        pk = model._meta.pk.attname
        exported = {row[pk]: row for row in files[name]}
        assert set(exported) == {str(v) for v in owned[model._meta.label]}, name
        for values in model._base_manager.filter(pk__in=owned[model._meta.label]).values():
            row = exported[str(values[pk])]
            for column, cell in row.items():
                assert cell == portability.csv_cell(values[column]), (name, column)

    tasks = files["outsourcing/OwnerTask.csv"]
    assert any(row["name"] == '\'=HYPERLINK("http://evil")' for row in tasks), "not neutralised"
    assert "token_hash" not in files["providers/ReferenceCheck.csv"][0]
    history = files["providers/HistoricalCandidate.csv"]
    assert any(row["history_type"] == "'-" for row in history), "deleted job's history missing"
    catalog = files["catalog/providers/Provider.csv"]
    assert catalog and all(row["business_id"] == "" for row in catalog)
    assert "catalog/providers/Package.csv" in files
    other_ids = {str(pk) for pk in _owned_pks(other.business)["providers.JobDescription"]}
    assert not other_ids & {row["id"] for row in files["providers/JobDescription.csv"]}


@pytest.mark.django_db
def test_export_page_lists_contents_with_constant_queries(
    client: Any, owner: Member, count_queries
):
    seed_everything(owner.business)
    client.force_login(owner.user)
    url = reverse("outsourcing:business-export", args=[owner.business.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"Download the zip" in response.content
    few = count_queries(lambda: client.get(url))
    few_zip = count_queries(lambda: client.post(url))
    OwnerTaskFactory.create_batch(30, business=owner.business)
    seed_everything(owner.business)
    assert count_queries(lambda: client.get(url)) == few
    assert count_queries(lambda: client.post(url)) == few_zip


# --- Deletion -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_deletion_leaves_no_row_of_the_business_and_touches_no_other(
    client: Any, owner: Member, caplog: Any, django_capture_on_commit_callbacks: Any
):
    other = make_member(role=Membership.Role.OWNER)
    seed_everything(owner.business)
    seed_everything(other.business)
    business_id = owner.business.pk
    doomed = _owned_pks(owner.business)
    before = _snapshot()
    catalog_before = _model("providers.Provider").objects.filter(business=None).count()

    client.force_login(owner.user)
    url = reverse("outsourcing:business-delete", args=[business_id])
    assert b"Type the business name" in client.get(url).content
    with (
        caplog.at_level(logging.INFO, logger="outsourcing.portability"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(url, {"name": owner.business.name}, follow=True)
    assert response.redirect_chain, "no redirect after deletion"
    assert "all of its data were deleted" in response.content.decode()
    assert any("business deleted" in r.getMessage() for r in caplog.records)

    after = _snapshot()
    history_label = Business.history.model._meta.label
    for label, rows in before.items():
        expected = {pk: row for pk, row in rows.items() if pk not in doomed.get(label, set())}
        got = dict(after[label])
        if label == history_label:
            audit = [r for pk, r in got.items() if pk not in rows]
            assert len(audit) == 1, "exactly one deletion record is kept"
            record = Business.history.model.objects.get(history_id=audit[0][0])
            assert record.history_type == "-" and record.id == business_id
            assert record.history_user == owner.user
            assert "Deleted by its owner" in record.history_change_reason
            got = {pk: r for pk, r in got.items() if pk in rows}
        assert got == expected, f"{label}: rows other than the business's changed or stayed"

    assert not Business.objects.filter(pk=business_id).exists()
    assert _model("providers.Provider").objects.filter(business=None).count() == catalog_before
    assert get_user_model().objects.filter(pk=owner.user.pk).exists()
    left = _snapshot_of(other.business)
    assert all(left.values()), f"the other business lost a whole table: {left}"


def _snapshot_of(business: Business) -> dict[str, int]:
    return {
        m._meta.label: portability.business_rows(m, business).count()
        for m in portability.business_models()
    }


@pytest.mark.django_db
def test_wrong_name_is_refused_and_nothing_is_deleted(client: Any, owner: Member):
    seed_everything(owner.business)
    before = _snapshot()
    client.force_login(owner.user)
    url = reverse("outsourcing:business-delete", args=[owner.business.pk])
    for typed in ("", owner.business.name.upper(), owner.business.name + "x", "nope"):
        response = client.post(url, {"name": typed})
        assert response.status_code == 200
        assert b"nothing was deleted" in response.content or b"This field is required" in (
            response.content
        )
    assert _snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("access", [Membership.Access.EDIT, Membership.Access.VIEW])
def test_coaches_are_refused_export_and_deletion(client: Any, owner: Member, access: str):
    coach = make_member(business=owner.business, role=Membership.Role.COACH, access=access)
    client.force_login(coach.user)
    before = _snapshot()
    for name in ("outsourcing:business-export", "outsourcing:business-delete"):
        url = reverse(name, args=[owner.business.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"name": owner.business.name}).status_code == 403
    assert _snapshot() == before


@pytest.mark.django_db
def test_outsiders_get_not_found(client: Any, owner: Member, outsider: Member):
    client.force_login(outsider.user)
    before = _snapshot()
    for name in ("outsourcing:business-export", "outsourcing:business-delete"):
        url = reverse(name, args=[owner.business.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": owner.business.name}).status_code == 404
    assert _snapshot() == before


@pytest.mark.django_db
def test_history_of_a_deleted_parent_goes_with_the_business(owner: Member):
    seed_everything(owner.business)
    history = _model("providers.Candidate").history.model
    live_jobs = _model("providers.JobDescription").objects.values("pk")
    orphans = history.objects.exclude(job_id__in=live_jobs)  # their job row is gone
    assert orphans.exists()
    assert set(orphans.values_list("pk", flat=True)) <= set(
        portability.business_rows(history, owner.business).values_list("pk", flat=True)
    )
    portability.business_delete(business=owner.business, actor=owner.user)
    assert not history.objects.filter(pk__in=orphans.values("pk")).exists()


@pytest.mark.django_db
def test_deleted_businesses_are_listed_for_staff_in_the_admin(client: Any, owner: Member):
    name = owner.business.name
    portability.business_delete(business=owner.business, actor=owner.user)
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    history = Business.history.model
    url = reverse(f"admin:{history._meta.app_label}_{history._meta.model_name}_changelist")
    response = client.get(url)
    assert response.status_code == 200
    assert name in response.content.decode()


@pytest.mark.django_db
def test_settings_menu_links_export_and_delete_for_owners_only(client: Any, owner: Member):
    client.force_login(owner.user)
    page = client.get(reverse("outsourcing:dashboard", args=[owner.business.pk])).content
    assert reverse("outsourcing:business-export", args=[owner.business.pk]).encode() in page
    assert reverse("outsourcing:business-delete", args=[owner.business.pk]).encode() in page
    coach = make_member(business=owner.business, role=Membership.Role.COACH)
    client.force_login(coach.user)
    page = client.get(reverse("outsourcing:dashboard", args=[owner.business.pk])).content
    assert reverse("outsourcing:business-delete", args=[owner.business.pk]).encode() not in page


@pytest.mark.django_db(transaction=True)
def test_deletion_commits_under_the_real_foreign_key_checks(client: Any, owner: Member):
    """Foreign keys are checked at COMMIT: here the deletion really commits (no test
    transaction around it). A row of another business pointing at this one's refuses it."""
    other = make_member(role=Membership.Role.OWNER)
    seed_everything(owner.business)
    seed_everything(other.business)
    theirs = _snapshot_of(other.business)

    private = _model("providers.Provider").objects.get(business=owner.business, name="Private Co")
    stray_job = _model("providers.JobDescription").objects.create(
        business=other.business, title="Points across businesses"
    )
    stray = _model("providers.Candidate").objects.create(job=stray_job, provider=private)
    mine = _snapshot_of(owner.business)
    with pytest.raises(IntegrityError):
        portability.business_delete(business=owner.business, actor=owner.user)
    client.force_login(owner.user)
    url = reverse("outsourcing:business-delete", args=[owner.business.pk])
    response = client.post(url, {"name": owner.business.name})
    assert response.status_code == 200
    assert "nothing was deleted" in response.content.decode()
    assert Business.objects.filter(pk=owner.business.pk).exists()
    assert _snapshot_of(owner.business) == mine, "a refused deletion deleted something"

    stray.delete()
    stray_job.delete()
    portability.business_delete(business=owner.business, actor=owner.user)
    assert not Business.objects.filter(pk=owner.business.pk).exists()
    left = _snapshot_of(other.business)
    assert {k: v for k, v in left.items() if not k.startswith("providers.Historical")} == {
        k: v for k, v in theirs.items() if not k.startswith("providers.Historical")
    }
