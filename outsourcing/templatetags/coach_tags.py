"""Header helpers for people who work in several businesses."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import Resolver404, resolve

from outsourcing.models import Business

register = template.Library()


@register.simple_tag(takes_context=True)
def switch_url(context: dict[str, Any], business: Business) -> str:
    """Where "Switch business" leads: the same section of the other business (Reviews of
    client A → Reviews of client B) when there is one, else its dashboard."""
    default = business.get_absolute_url()
    request = context.get("request")
    current = context.get("current_business")
    if request is None or current is None or current.pk == business.pk:
        return default
    prefix = f"/b/{current.pk}/"
    if not request.path.startswith(prefix):
        return default
    section = request.path[len(prefix) :].split("/", 1)[0]
    if not section:
        return default
    candidate = f"/b/{business.pk}/{section}/"
    try:
        resolve(candidate)
    except Resolver404:
        return default
    return candidate
