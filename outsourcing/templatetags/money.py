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


@register.filter
def compact(value: object) -> str:
    """Short axis labels: 950, 1.5k, 20k, 1.2M."""
    amount = _decimal(value)
    if amount is None:
        return ""
    for limit, suffix in ((Decimal(1_000_000), "M"), (Decimal(1_000), "k")):
        if abs(amount) >= limit:
            short = (amount / limit).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP).normalize()
            return f"{short:f}{suffix}"
    return f"{amount.quantize(Decimal(1), rounding=ROUND_HALF_UP):f}"
