"""Template helpers for the providers pages."""

from __future__ import annotations

from decimal import Decimal

from django import template

from outsourcing.scoring import format_money

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str = "") -> str:
    """1,234.50 USD; an em dash when there is no amount."""
    if amount is None or amount == "":
        return "—"
    return format_money(Decimal(amount), currency).strip()


@register.filter
def get_item(mapping: dict, key: object) -> object:
    return mapping.get(str(key)) if mapping else None
