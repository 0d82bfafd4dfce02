# ruff: noqa: E501  (demo data tables read best one row per line)
"""Demo data for this app, called by `manage.py seed_demo` (idempotent).

A believable catalog (bookkeeping, payroll, marketing, virtual assistants, legal, IT), and for
the demo owner's bakery: a hired bookkeeper (about 14 months ago) chosen from a shortlist of two
with references, plus a marketing job still being decided. Client businesses get a few
engagements of their own. Everything is looked up by name first, so running it again adds
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from outsourcing.models import Business, Membership, OwnerTask

from . import fit, services
from .models import (
    Candidate,
    Engagement,
    Expertise,
    ExpertiseCheck,
    JobDescription,
    Package,
    Provider,
    ReferenceCheck,
    ReferenceDutyFeedback,
    ServiceCategory,
)
from .services import DutyInput, RequirementInput

D = Decimal

CATEGORIES = {
    "bookkeeping": ("Bookkeeping & accounting", "Books, reconciliations, reports, tax filings."),
    "payroll": ("Payroll", "Pay runs, withholding, year-end forms."),
    "marketing": ("Marketing", "Social media, newsletters, ads, content."),
    "va": ("Virtual assistants", "Inbox, scheduling, data entry, supplier follow-up."),
    "legal": ("Legal", "Formation, contracts, permits and licences."),
    "it": ("IT & web", "Support, backups, website care, security."),
}

EXPERTISE = {
    "Payroll tax compliance": "payroll",
    "Sales tax filing": "bookkeeping",
    "QuickBooks Online": "bookkeeping",
    "Xero": "bookkeeping",
    "Food business accounting": "bookkeeping",
    "Instagram & Facebook ads": "marketing",
    "E-mail newsletters": "marketing",
    "Copywriting": "marketing",
    "Business formation": "legal",
    "Employment contracts": "legal",
    "Food licensing": "legal",
    "Microsoft 365 admin": "it",
    "Website maintenance": "it",
    "Dental practice software": "it",
    "Medical billing": "va",
}


@dataclass
class PackageSpec:
    name: str
    price: str
    lines: tuple[str, ...]
    period: str = "monthly"
    hours: str | None = None


@dataclass
class ProviderSpec:
    name: str
    categories: tuple[str, ...]
    city: str
    region: str
    description: str
    expertise: tuple[str, ...] = ()
    local: bool = False
    packages: tuple[PackageSpec, ...] = field(default_factory=tuple)


CATALOG = (
    ProviderSpec(
        "Ledger & Loaf Bookkeeping",
        ("bookkeeping", "payroll"),
        "Portland",
        "Maine",
        "A two-person bookkeeping shop that works mostly with cafés, bakeries and shops.",
        ("QuickBooks Online", "Sales tax filing", "Payroll tax compliance", "Food business accounting"),
        local=True,
        packages=(
            PackageSpec("Essentials", "380", ("Monthly bookkeeping", "Bank reconciliation", "Monthly profit and loss report")),
            PackageSpec(
                "Books & Payroll",
                "620",
                ("Monthly bookkeeping", "Bank reconciliation", "Payroll runs", "Quarterly sales tax filing", "Monthly profit and loss report"),
                hours="10",
            ),
        ),
    ),
    ProviderSpec(
        "Summit Books & Payroll",
        ("bookkeeping", "payroll"),
        "Boston",
        "Massachusetts",
        "Regional firm with a dedicated bookkeeper and a payroll desk.",
        ("QuickBooks Online", "Xero", "Payroll tax compliance", "Sales tax filing"),
        packages=(
            PackageSpec(
                "Growth",
                "890",
                ("Monthly bookkeeping", "Bank reconciliation", "Payroll runs", "Quarterly sales tax filing", "Quarterly CFO call", "Cash-flow forecast", "Annual tax return preparation"),
                hours="15",
            ),
            PackageSpec("Payroll only", "160", ("Payroll runs", "Year-end W-2 forms")),
        ),
    ),
    ProviderSpec(
        "PayDay Partners",
        ("payroll",),
        "Chicago",
        "Illinois",
        "Payroll for teams of 2 to 50, in every state.",
        ("Payroll tax compliance",),
        packages=(PackageSpec("Per pay run", "1500", ("Payroll runs", "Tax deposits and filings", "Year-end W-2 forms"), period="yearly"),),
    ),
    ProviderSpec(
        "Crumb & Co Marketing",
        ("marketing",),
        "Portland",
        "Maine",
        "Social media and newsletters for food and hospitality businesses.",
        ("Instagram & Facebook ads", "E-mail newsletters", "Copywriting"),
        local=True,
        packages=(
            PackageSpec("Social starter", "650", ("Three Instagram posts a week", "Monthly newsletter", "Monthly results report")),
            PackageSpec("Full social", "1200", ("Daily Instagram posts", "Monthly newsletter", "Paid ads management", "Photo shoot every quarter", "Monthly results report")),
        ),
    ),
    ProviderSpec(
        "Brightpath Digital",
        ("marketing", "it"),
        "Remote",
        "",
        "Digital agency: ads, content and small websites.",
        ("Instagram & Facebook ads", "Copywriting", "Website maintenance"),
        packages=(PackageSpec("Content & ads", "980", ("Weekly blog post", "Paid ads management", "Three Instagram posts a week", "Website updates")),),
    ),
    ProviderSpec(
        "Desk Helpers VA",
        ("va",),
        "Remote",
        "",
        "Virtual assistants by the hour: inbox, calendars, supplier follow-up.",
        ("Medical billing",),
        packages=(
            PackageSpec("10 hours", "320", ("Inbox and calendar", "Supplier follow-up", "Data entry"), hours="10"),
            PackageSpec("20 hours", "600", ("Inbox and calendar", "Supplier follow-up", "Data entry", "Insurance claims follow-up"), hours="20"),
        ),
    ),
    ProviderSpec(
        "Main Street Law",
        ("legal",),
        "Portland",
        "Maine",
        "Small-business attorneys: formation, contracts, permits.",
        ("Business formation", "Employment contracts", "Food licensing"),
        local=True,
        packages=(
            PackageSpec("Formation", "900", ("LLC formation", "Operating agreement"), period="one_off"),
            PackageSpec("Counsel retainer", "250", ("Two hours of counsel a month", "Contract review", "Permit renewals")),
        ),
    ),
    ProviderSpec(
        "Byte Harbor IT",
        ("it",),
        "Chicago",
        "Illinois",
        "Managed IT for offices and clinics: support, backups, security.",
        ("Microsoft 365 admin", "Dental practice software", "Website maintenance"),
        packages=(PackageSpec("Office care", "240", ("Help desk", "Backups", "Security updates", "Microsoft 365 admin")),),
    ),
)  # fmt: skip


def _catalog() -> None:
    cats = {}
    for slug, (name, description) in CATEGORIES.items():
        cats[slug], _ = ServiceCategory.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )
    exps = {}
    for name, slug in EXPERTISE.items():
        exps[name], _ = Expertise.objects.get_or_create(
            name=name, defaults={"category": cats[slug]}
        )
    for spec in CATALOG:
        provider, created = Provider.objects.get_or_create(
            name=spec.name,
            business=None,
            defaults={
                "city": spec.city,
                "region": spec.region,
                "description": spec.description,
                "is_local_small_business": spec.local,
                "website": f"https://{spec.name.split()[0].lower().strip('&')}.example",
            },
        )
        if created:
            provider.categories.set([cats[c] for c in spec.categories])
            provider.expertise.set([exps[e] for e in spec.expertise])
        for pkg in spec.packages:
            Package.objects.get_or_create(
                provider=provider,
                name=pkg.name,
                defaults={
                    "price": D(pkg.price),
                    "billing_period": pkg.period,
                    "hours_included": D(pkg.hours) if pkg.hours else None,
                    "included_services": "\n".join(pkg.lines),
                },
            )


def _owner(business: Business) -> User:
    membership = Membership.objects.select_related("user").get(
        business=business, role=Membership.Role.OWNER
    )
    return membership.user


def _job(
    business: Business,
    actor: User,
    title: str,
    category: str,
    task_names: tuple[str, ...],
    duties: tuple[tuple[str, str, str, str], ...],
    expertise: tuple[tuple[str, str], ...],
    goals: str,
    budget: str,
) -> JobDescription:
    return services.job_create(
        business=business,
        actor=actor,
        title=title,
        category=ServiceCategory.objects.get(slug=category),
        goals=goals,
        monthly_budget=D(budget),
        tasks=OwnerTask.objects.filter(business=business, name__in=task_names),
        duties=[
            DutyInput(what=w, frequency=f, success_measure=m, importance=i) for w, f, m, i in duties
        ],
        requirements=[
            RequirementInput(expertise=Expertise.objects.get(name=n), importance=i)
            for n, i in expertise
        ],
    )


def _shortlist(
    job: JobDescription, actor: User, provider: str, package: str | None, quote: str | None = None
) -> Candidate:
    p = Provider.objects.get(name=provider, business=None)
    return services.candidate_add(
        job=job,
        actor=actor,
        provider=p,
        package=p.packages.get(name=package) if package else None,
        quoted_monthly_price=D(quote) if quote else None,
    )


def _check_all(candidate: Candidate, result: str, note: str = "") -> None:
    """The same result for every expertise; the note goes on the first (must-have) one."""
    for i, req in enumerate(candidate.job.requirements.all()):
        ExpertiseCheck.objects.update_or_create(
            candidate=candidate,
            expertise=req.expertise,
            defaults={"result": result, "note": note if i == 0 else ""},
        )


def _answered_reference(
    candidate: Candidate,
    name: str,
    company: str,
    since: str,
    ratings: tuple[int, ...],
    again: bool,
    comment: str,
    answered: date,
) -> None:
    ref = ReferenceCheck.objects.create(
        candidate=candidate,
        name=name,
        company=company,
        contact=f"{name.split()[0].lower()}@{company.split()[0].lower()}.example",
        customer_for=since,
        status=ReferenceCheck.Status.ANSWERED,
        would_hire_again=again,
        comment=comment,
        answered_at=timezone.make_aware(datetime.combine(answered, time(15))),
    )
    for duty, rating in zip(candidate.job.duties.all(), ratings, strict=False):
        ReferenceDutyFeedback.objects.create(reference=ref, duty=duty, rating=rating)


BOOKKEEPER_DUTIES = (
    ("Monthly bookkeeping and bank reconciliation", "monthly", "Books closed by the 5th", "must"),
    (
        "Payroll runs for six staff",
        "every two weeks",
        "Everyone paid on time, no penalties",
        "must",
    ),
    ("Quarterly sales tax filing", "quarterly", "Filed before the deadline", "must"),
    ("Monthly profit and loss report", "monthly", "In my inbox by the 10th", "nice"),
    ("Answer questions", "as needed", "Within two business days", "nice"),
)


def _bakery(business: Business) -> None:
    actor = _owner(business)
    title = "Bookkeeper and payroll"
    if JobDescription.objects.filter(business=business, title=title).exists():
        return
    today = timezone.localdate(timezone=business.tzinfo)
    started = today - timedelta(days=426)  # about 14 months ago
    job = _job(
        business,
        actor,
        title,
        "bookkeeping",
        ("Bookkeeping", "Payroll"),
        BOOKKEEPER_DUTIES,
        (
            ("Payroll tax compliance", "must"),
            ("Sales tax filing", "must"),
            ("QuickBooks Online", "nice"),
        ),
        "Get my Sundays back, never pay a payroll penalty again, and know each month whether we made money.",
        "700",
    )
    local = _shortlist(job, actor, "Ledger & Loaf Bookkeeping", "Books & Payroll")
    summit = _shortlist(job, actor, "Summit Books & Payroll", "Growth")
    _check_all(local, ExpertiseCheck.Result.HAS, "Showed payroll filings for two bakeries")
    _check_all(summit, ExpertiseCheck.Result.NOT_VERIFIED)
    _answered_reference(
        local,
        "Maria Lopez",
        "Lopez Coffee Roasters",
        "3 years",
        (5, 4, 5, 4, 5),
        True,
        "They caught a withholding change before it cost us anything.",
        started - timedelta(days=20),
    )
    ReferenceCheck.objects.create(
        candidate=local,
        name="Tom Becker",
        company="Becker's Deli",
        contact="555-0142",
        customer_for="1 year",
        status=ReferenceCheck.Status.NO_ANSWER,
    )
    _answered_reference(
        summit,
        "Ada Chen",
        "Chen Florist",
        "2 years",
        (4, 3, 4, 5, 3),
        True,
        "Solid, a little slow to answer questions.",
        started - timedelta(days=18),
    )
    ReferenceCheck.objects.create(
        candidate=summit,
        name="Rob Hale",
        company="Hale Hardware",
        contact="rob@hale.example",
        customer_for="5 years",
        status=ReferenceCheck.Status.CONTACTED,
    )
    services.engagement_hire(
        candidate=local,
        actor=actor,
        start_date=started,
        agreed_price=D("620"),
        billing_period="monthly",
        package=local.package,
        kind=Engagement.Kind.ONGOING,
        notice_period_days=30,
        renewal_date=started + timedelta(days=730),
        auto_renew=True,
        exit_how_to_give_notice="E-mail Jen at Ledger & Loaf, 30 days before the renewal date.",
        exit_data_to_take_back="QuickBooks admin login, payroll provider access, last 12 months of reports.",
        backup_candidate=summit,
    )

    marketing = _job(
        business,
        actor,
        "Social media and newsletter",
        "marketing",
        ("Social media and newsletter",),
        (
            ("Three Instagram posts a week", "weekly", "Posts go out on schedule", "must"),
            ("Monthly newsletter", "monthly", "Sent by the 1st, open rate above 30%", "must"),
            (
                "Monthly results report",
                "monthly",
                "One page: followers, orders from social",
                "nice",
            ),
        ),
        (("Instagram & Facebook ads", "nice"), ("E-mail newsletters", "must")),
        "More wholesale and catering enquiries from people who already follow us; I approve every post.",
        "800",
    )
    crumb = _shortlist(marketing, actor, "Crumb & Co Marketing", "Social starter")
    _shortlist(marketing, actor, "Brightpath Digital", "Content & ads")
    _answered_reference(
        crumb,
        "Sam Ortiz",
        "Ortiz Tacos",
        "18 months",
        (5, 4, 4),
        True,
        "They shoot the food well and never post without asking.",
        today - timedelta(days=3),
    )


CLIENT_ENGAGEMENTS = {
    "Northside Dental": (
        ("Insurance claims follow-up", "va", ("Insurance claims",), "Desk Helpers VA", "20 hours", 240,
         (("Submit and chase insurance claims", "daily", "Under 5% denied", "must"),
          ("Monthly claims report", "monthly", "By the 5th", "nice"))),
        ("IT support", "it", ("IT support",), "Byte Harbor IT", "Office care", 610,
         (("Help desk for the front office", "as needed", "Answered within 4 hours", "must"),
          ("Nightly backups", "daily", "Restore tested each quarter", "must"))),
    ),
    "Greenline Landscaping": (
        ("Payroll", "payroll", ("Payroll",), "PayDay Partners", "Per pay run", 150,
         (("Bi-weekly payroll for seasonal crew", "every two weeks", "No late payments", "must"),
          ("Year-end forms", "yearly", "Filed on time", "must"))),
    ),
    "Atlas Bike Repair": (
        ("Bookkeeping and VAT", "bookkeeping", ("Bookkeeping", "VAT returns"), "Summit Books & Payroll", "Growth", 95,
         (("Monthly bookkeeping", "monthly", "Books closed by the 10th", "must"),
          ("Quarterly VAT return", "quarterly", "Filed on time", "must"))),
    ),
}  # fmt: skip


def _client(business: Business) -> None:
    actor = _owner(business)
    today = timezone.localdate(timezone=business.tzinfo)
    for title, category, tasks, provider, package, days_ago, duties in CLIENT_ENGAGEMENTS.get(
        business.name, ()
    ):
        if JobDescription.objects.filter(business=business, title=title).exists():
            continue
        job = _job(business, actor, title, category, tasks, duties, (), "", "1000")
        pkg = (
            Package.objects.get(provider__name=provider, provider__business=None, name=package)
            if package
            else None
        )
        # A catalog package priced in another currency than the client's is no price there:
        # the client was quoted its monthly equivalent in their own currency.
        quote = (
            fit.monthly_equivalent(pkg.price, pkg.billing_period)
            if pkg is not None and pkg.currency != business.currency
            else None
        )
        candidate = _shortlist(job, actor, provider, package, quote=str(quote) if quote else None)
        started = today - timedelta(days=days_ago)
        services.engagement_hire(
            candidate=candidate,
            actor=actor,
            start_date=started,
            agreed_price=quote or (pkg.price if pkg else D("500")),
            billing_period="monthly" if quote or pkg is None else pkg.billing_period,
            package=pkg,
            notice_period_days=30,
            renewal_date=started + timedelta(days=365 * (days_ago // 365 + 1)),
            exit_how_to_give_notice="Written notice by e-mail.",
        )


def seed(*, owner_business: Business, client_businesses: list[Business]) -> None:
    """Add this app's demo rows to the demo businesses. Safe to run again."""
    _catalog()
    _bakery(owner_business)
    for business in client_businesses:
        _client(business)
