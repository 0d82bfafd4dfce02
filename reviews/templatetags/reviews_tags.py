"""Template tags for other apps' pages that show reviews (the engagement page's panel)."""

from __future__ import annotations

from django import template

from outsourcing.models import Business
from providers.models import Engagement

from .. import selectors

register = template.Library()


@register.simple_tag
def engagement_review_panel(business: Business, engagement: Engagement) -> object:
    """The context object of templates/reviews/_engagement_panel.html (five queries)."""
    return selectors.engagement_panel(business=business, engagement=engagement)["review_panel"]
