from __future__ import annotations

from decimal import Decimal

import pytest

from reviews.scoring import Rating, Round, flag_reasons, review_score, round_score, standing_for


def test_score_counts_must_have_duties_twice():
    ratings = [Rating(1, 5, True), Rating(2, 2, False)]
    assert review_score(ratings) == Decimal("4.00")  # (5*2 + 2) / 3
    assert review_score([Rating(1, 3, False), Rating(2, 4, False)]) == Decimal("3.50")


def test_score_without_ratings_is_none_and_bad_ratings_refused():
    assert review_score([]) is None
    with pytest.raises(ValueError):
        review_score([Rating(1, 6, False)])


@pytest.mark.parametrize(
    ("score", "standing"),
    [
        ("5", "strong"),
        ("4.00", "strong"),
        ("3.99", "meets"),
        ("3", "meets"),
        ("2.99", "watch"),
        ("2", "watch"),
        ("1.99", "replace"),
        ("1", "replace"),
    ],
)
def test_standing_bands(score, standing):
    assert standing_for(Decimal(score)) == standing


def test_round_uses_the_median_of_reviewers():
    assert round_score([Decimal("4.5"), Decimal("2.0")]) == Decimal("3.25")
    assert round_score([Decimal("1"), Decimal("4"), Decimal("5")]) == Decimal("4.00")
    assert round_score([]) is None
    assert Round(scores=(Decimal("4.5"), Decimal("1.9"))).standing == "meets"


def r(score: str, ones=(), replace=False) -> Round:
    return Round(scores=(Decimal(score),), must_have_ones=frozenset(ones), replace_decided=replace)


def test_flag_on_replace_score():
    assert flag_reasons([r("1.5")]) == ["replace_score"]


def test_flag_on_two_watch_in_a_row_only():
    assert flag_reasons([r("2.5"), r("3.5"), r("2.5")]) == []
    assert flag_reasons([r("3.5"), r("2.5"), r("2.1")]) == ["two_watch"]
    assert flag_reasons([r("2.5"), r("1.5")]) == ["replace_score", "two_watch"]


def test_flag_on_must_have_duty_rated_one_twice():
    assert flag_reasons([r("3.5", {7}), r("3.5", {8})]) == []
    assert flag_reasons([r("3.5", {7}), r("3.5", {7, 8})]) == ["must_have_one_twice"]


def test_flag_on_owner_decision():
    assert flag_reasons([r("4.5", replace=True)]) == ["owner_decision"]
    assert flag_reasons([]) == []
