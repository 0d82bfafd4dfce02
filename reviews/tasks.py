"""Celery tasks: thin wrappers that wake a service up. The database holds the truth.

Bound to the project's app (not shared_task) so that a thread without a current app (the
sweep runs in threads in tests, on_commit callbacks in web threads) still uses its config.
"""

from __future__ import annotations

from django.utils import timezone

from outsourcing.celery import app

from . import services


@app.task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sweep() -> str:
    """Run by beat every SWEEP_INTERVAL_SECONDS; a lost or duplicated run is harmless."""
    return str(services.sweep_run(now=timezone.now()))


@app.task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=services.MAX_SEND_ATTEMPTS - 1,
)
def reminder_send(self, delivery_id: int) -> str:
    """Send one claimed reminder e-mail; the service guards against sending twice."""
    return services.reminder_deliver(delivery_id)


@app.task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def reminder_send_many(delivery_ids: list[int]) -> int:
    """Fan one sweep batch's claimed e-mails out to one `reminder_send` task each (so each
    keeps its own retries). The sweep enqueues one message per batch instead of one per
    e-mail; whatever is not enqueued here stays `claimed` and the next sweep enqueues it."""
    for delivery_id in delivery_ids:
        reminder_send.delay(delivery_id)
    return len(delivery_ids)
