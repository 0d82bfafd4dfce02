"""Escaping for the table rows that views build as ready HTML (the inventory, the dashboard's
lists and matrix, the comparison, the portfolio, the review form's duties): through the template
engine their per-cell variables and filters cost more than the rest of each page.

`esc` is what Django's `escape` does (html.escape of the text, quotes included), without the
SafeString wrapper it makes for every value: the fragments are joined first and marked safe once.
"""

from __future__ import annotations

import html


def esc(value: object) -> str:
    return html.escape(str(value))
