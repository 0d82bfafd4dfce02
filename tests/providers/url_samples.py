"""URL samples for the providers app (protocol: tests/test_url_tenancy.py's docstring)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from outsourcing.models import Business
from providers.models import Engagement, JobTemplate
from tests.factories import UserFactory
from tests.providers.factories import (
    CandidateFactory,
    DutyFactory,
    JobFactory,
    ProviderFactory,
    ReferenceFactory,
)

PUBLIC: dict[str, dict[str, Any]] = {
    "providers:reference-answer": {"token": "not-a-real-token-0123456789abcdef"},
}

# The library lives outside any business; each template is its owner's (others get 404,
# see tests/providers/test_views.py::test_template_of_another_user_is_not_found).
GLOBAL: set[str] = {
    "providers:template-list",
    "providers:template-detail",
    "providers:template-copy",
    "providers:template-delete",
}


def samples(business: Business) -> dict[str, dict[str, Any]]:
    job = JobFactory(business=business)
    DutyFactory(job=job)
    private = ProviderFactory(business=business)
    candidate = CandidateFactory(job=job, provider=private)
    backup = CandidateFactory(job=job, provider=ProviderFactory())
    reference = ReferenceFactory(candidate=candidate)
    engagement = Engagement.objects.create(
        business=business,
        job=job,
        candidate=candidate,
        provider=private,
        start_date=date(2026, 1, 1),
        agreed_price=Decimal("500"),
        backup_candidate=backup,
    )
    return {
        "providers:provider-list": {},
        "providers:provider-create": {},
        "providers:provider-detail": {"pk": private.pk},
        "providers:provider-edit": {"pk": private.pk},
        "providers:job-list": {},
        "providers:job-create": {},
        "providers:job-detail": {"pk": job.pk},
        "providers:job-edit": {"pk": job.pk},
        "providers:job-print": {"pk": job.pk},
        "providers:job-compare": {"pk": job.pk},
        "providers:job-save-template": {"pk": job.pk},
        "providers:candidate-add": {"pk": job.pk},
        "providers:candidate-detail": {"pk": candidate.pk},
        "providers:candidate-edit": {"pk": candidate.pk},
        "providers:candidate-assess": {"pk": candidate.pk},
        "providers:candidate-hire": {"pk": backup.pk},
        "providers:reference-add": {"pk": candidate.pk},
        "providers:reference-link": {"pk": reference.pk},
        "providers:reference-record": {"pk": reference.pk},
        "providers:engagement-list": {},
        "providers:engagement-detail": {"pk": engagement.pk},
        "providers:engagement-end": {"pk": engagement.pk},
        "providers:engagement-replace": {"pk": engagement.pk},
    }


def template_of_someone_else() -> JobTemplate:
    return JobTemplate.objects.create(owner=UserFactory(), title="Someone else's template")
