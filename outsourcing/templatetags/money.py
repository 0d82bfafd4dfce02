"""Money and hours in templates: `{{ amount|money:business.currency }}` → "1,250.00 USD"."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

from ..scoring import format_hours, format_money

register = template.Library()


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def money(value: object, currency: str = "") -> str:
    amount = _decimal(value)
    if amount is None:
        return "—"
    return format_money(amount, currency).strip()


@register.filter
def money0(value: object, currency: str = "") -> str:
    """Whole units, for headlines: 3,120 USD."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    whole = amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{whole:,f} {currency}".strip()


@register.filter
def hours(value: object) -> str:
    amount = _decimal(value)
    return "—" if amount is None else format_hours(amount)


@register.filter
def call_css(call: str) -> str:
    return f"call-{call}" if call in ("outsource", "consider", "keep") else "text-bg-secondary"
