"""Template source checks that the template engine itself does not make."""

from __future__ import annotations

from pathlib import Path

import pytest

TEMPLATES = sorted((Path(__file__).resolve().parent.parent / "templates").rglob("*.html"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.name))
def test_no_comment_spans_lines(path: Path) -> None:
    """Django's {# #} comments end at the line: one spread over two lines is shown to users
    as text. Longer comments take {% comment %}."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        start = line.find("{#")
        assert start == -1 or "#}" in line[start:], f"{path.name}:{number}: {{# without #}}"


def test_there_are_templates_to_check() -> None:
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize(
    "path", [p for p in TEMPLATES if "<head>" in p.read_text()], ids=lambda p: str(p.name)
)
def test_every_page_head_names_an_icon_that_exists(path: Path) -> None:
    """Without one, browsers ask for /favicon.ico, a 404 on every first visit (and an error in
    the console)."""
    from django.contrib.staticfiles import finders

    text = path.read_text()
    assert """<link rel="icon" href="{% static 'favicon.svg' %}" type="image/svg+xml">""" in text
    assert finders.find("favicon.svg")
