"""URL samples for the reviews app (protocol: tests/test_url_tenancy.py's docstring).

Add every URL the app defines: business-scoped ones to samples(), token links to PUBLIC,
the rest to GLOBAL.
"""

from __future__ import annotations

from typing import Any

from outsourcing.models import Business

PUBLIC: dict[str, dict[str, Any]] = {}

GLOBAL: set[str] = set()


def samples(business: Business) -> dict[str, dict[str, Any]]:
    return {}
