"""Shared fixtures: an owner in a business, an outsider in another, and query counting."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from outsourcing.models import Business, Membership

from .factories import MembershipFactory

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """MD5 instead of Argon2 under pytest: hashing a password takes microseconds, not 50 ms.

    Production keeps Argon2 first (tests/test_security.py checks the real settings).
    """
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(host: str, port: int, what: str) -> None:
    """Skip (outside CI) or fail (under CI=true) when a real service is unreachable."""
    if port_open(host, port):
        return
    message = f"{what} is not reachable on {host}:{port}"
    if IN_CI:
        pytest.fail(message + " (CI=true requires it)")
    pytest.skip(message)


@dataclass
class Member:
    user: Any
    business: Business
    membership: Membership


def make_member(**kwargs: Any) -> Member:
    membership = MembershipFactory(**kwargs)
    return Member(user=membership.user, business=membership.business, membership=membership)


@pytest.fixture
def owner(db) -> Member:
    return make_member(role=Membership.Role.OWNER)


@pytest.fixture
def outsider(db) -> Member:
    """The owner of another business: everything of `owner`'s must be 404 to them."""
    return make_member(role=Membership.Role.OWNER)


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner.user)
    return client


@pytest.fixture
def count_queries() -> Callable[[Callable[[], Any]], int]:
    def count(fn: Callable[[], Any]) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = fn()
        status = getattr(response, "status_code", 200)
        assert status < 400, f"the page answered {status}"
        return len(ctx.captured_queries)

    return count
