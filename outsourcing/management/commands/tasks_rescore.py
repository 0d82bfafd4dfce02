"""`manage.py tasks_rescore`: recompute every task's stored call and figures from the rules.

The stored figures (OwnerTask.suggested_call, opportunity_cost, net_benefit) are a cache of
scoring.score, kept right on every write. Run this after a change to the rules in scoring.py
(a deploy), or to repair rows written around the app. Idempotent; one transaction per business.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from outsourcing import services
from outsourcing.models import Business


class Command(BaseCommand):
    help = "Recompute every task's stored call and figures from the rules (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        businesses = total = 0
        for business in Business.objects.order_by("pk").iterator():
            with transaction.atomic():
                total += services.tasks_rescore(business=business)
            businesses += 1
        self.stdout.write(
            f"Rescored {total} task{'' if total == 1 else 's'} "
            f"in {businesses} business{'' if businesses == 1 else 'es'}."
        )
