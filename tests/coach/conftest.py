"""Fixtures for coach tests: a coach in the owner's business, and helpers."""

from __future__ import annotations

import pytest

from outsourcing.models import Membership
from tests.conftest import Member
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def coach(owner: Member) -> Member:
    """A coach with edit access to `owner`'s business."""
    m = MembershipFactory(
        business=owner.business, role=Membership.Role.COACH, access=Membership.Access.EDIT
    )
    return Member(user=m.user, business=m.business, membership=m)


@pytest.fixture
def viewer(owner: Member) -> Member:
    """A coach with view-only access to `owner`'s business."""
    m = MembershipFactory(
        business=owner.business, role=Membership.Role.COACH, access=Membership.Access.VIEW
    )
    return Member(user=m.user, business=m.business, membership=m)


@pytest.fixture
def stranger(db):
    """A signed-up user with no business at all."""
    return UserFactory()
