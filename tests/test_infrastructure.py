"""The real services behind the app: Redis for Celery, PostgreSQL for the database."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from outsourcing.celery import app as celery_app

from .conftest import IN_CI, require_service

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.mark.services
def test_celery_talks_to_redis():
    require_service("127.0.0.1", 6379, "Redis")
    with celery_app.connection_for_write(REDIS_URL) as conn:
        conn.ensure_connection(max_retries=2)
        assert conn.connected
        client = conn.default_channel.client
        client.set("outsourcing-desk:ping", "pong", ex=30)
        assert client.get("outsourcing-desk:ping") == b"pong"


@pytest.mark.django_db
def test_database_engine_matches_environment():
    wanted = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == wanted


def test_ci_flag_is_read():
    expected = os.environ.get("CI", "").lower() == "true"
    assert expected is IN_CI
