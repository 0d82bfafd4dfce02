"""The database settings read from the environment: persistent connections."""

from __future__ import annotations

import pytest

from tests.test_security import production_env, run_manage

PRINT_CONN = (
    "from django.conf import settings as s; d = s.DATABASES['default']; "
    "print(d['ENGINE'], d['CONN_MAX_AGE'])"
)


@pytest.mark.parametrize(
    ("url", "extra", "expected"),
    [
        ("sqlite:////tmp/x.sqlite3", {}, "django.db.backends.sqlite3 0"),
        (
            "sqlite:////tmp/x.sqlite3",
            {"DATABASE_CONN_MAX_AGE": "60"},
            "django.db.backends.sqlite3 60",
        ),
        ("postgres://postgres@127.0.0.1:5432/x", {}, "django.db.backends.postgresql 60"),
        (
            "postgres://postgres@127.0.0.1:5432/x",
            {"DATABASE_CONN_MAX_AGE": "0"},
            "django.db.backends.postgresql 0",
        ),
    ],
)
def test_persistent_connections_follow_the_environment(url, extra, expected):
    result = run_manage("shell", "-c", PRINT_CONN, env=production_env(DATABASE_URL=url, **extra))
    assert result.returncode == 0, result.stderr
    # The last line: `shell` may first say what it imported.
    assert result.stdout.strip().splitlines()[-1] == expected


def test_a_bad_conn_max_age_is_refused_with_its_name():
    env = production_env(DATABASE_URL="sqlite:////tmp/x.sqlite3", DATABASE_CONN_MAX_AGE="soon")
    result = run_manage("shell", "-c", PRINT_CONN, env=env)
    assert result.returncode != 0
    assert "soon" in result.stderr or "DATABASE_CONN_MAX_AGE" in result.stderr
