"""reviews.selectors.review_get: scoped to the business, with what the pages read attached."""

from __future__ import annotations

import pytest
from django.http import Http404

from reviews import selectors, services

from .factories import engagement_for

pytestmark = pytest.mark.django_db


def test_review_get_attaches_the_business_and_joins_what_the_pages_read(
    owner, django_assert_num_queries
):
    engagement = engagement_for(owner.business)
    review = services.review_next_create(engagement=engagement)
    assert review is not None
    with django_assert_num_queries(1):
        got = selectors.review_get(business=owner.business, pk=review.pk)
        assert got.engagement.business is owner.business
        assert got.engagement.provider.pk == engagement.provider_id
        assert got.engagement.job.pk == engagement.job_id
        assert got.reviewer is None


def test_review_get_answers_404_for_another_business_review(owner, outsider):
    theirs = services.review_next_create(engagement=engagement_for(outsider.business))
    assert theirs is not None
    with pytest.raises(Http404):
        selectors.review_get(business=owner.business, pk=theirs.pk)
