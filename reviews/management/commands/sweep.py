"""`manage.py sweep`: run the scheduling sweep once, now, and print what it did."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from reviews.services import sweep_run


class Command(BaseCommand):
    help = "Create due reviews, raise flags and send reminders once (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        report = sweep_run()
        self.stdout.write(self.style.SUCCESS(f"Sweep done. {report}"))
