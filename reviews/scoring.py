"""Review score, standing and replacement rules: pure functions (DESIGN.md, Reviews).

- score = mean of the duty ratings (1 to 5), each must-have duty counted twice;
- a round (one due date) reviewed by several people (owner, coach) stands on the median
  of their scores;
- bands: ≥ 4 strong, ≥ 3 meets, ≥ 2 watch, < 2 replace;
- flags: a round in *replace*; two rounds in a row at *watch* or worse; a must-have duty
  rated 1 in two rounds in a row; a reviewer deciding to replace.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Rating:
    duty_id: int
    rating: int
    must_have: bool


def review_score(ratings: Iterable[Rating]) -> Decimal | None:
    """Weighted mean (must-have counted twice), rounded to 2 places; None without ratings."""
    total = weight = 0
    for r in ratings:
        if not 1 <= r.rating <= 5:
            raise ValueError(f"rating {r.rating} is outside 1 to 5")
        w = 2 if r.must_have else 1
        total += r.rating * w
        weight += w
    if weight == 0:
        return None
    return (Decimal(total) / Decimal(weight)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def standing_for(score: Decimal | None) -> str:
    """The band of a score: strong / meets / watch / replace ("" without a score)."""
    if score is None:
        return ""
    if score >= 4:
        return "strong"
    if score >= 3:
        return "meets"
    if score >= 2:
        return "watch"
    return "replace"


def round_score(scores: Sequence[Decimal]) -> Decimal | None:
    """The median of the reviewers' scores for one due date."""
    if not scores:
        return None
    return Decimal(statistics.median(scores)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Round:
    """One due date's completed reviews, summarised."""

    scores: tuple[Decimal, ...]
    must_have_ones: frozenset[int] = field(default_factory=frozenset)  # duty ids rated 1
    replace_decided: bool = False

    @property
    def score(self) -> Decimal | None:
        return round_score(self.scores)

    @property
    def standing(self) -> str:
        return standing_for(self.score)


POOR = frozenset({"watch", "replace"})


def flag_reasons(rounds: Sequence[Round]) -> list[str]:
    """Flag reasons raised by the latest round, given all completed rounds oldest first."""
    if not rounds:
        return []
    last = rounds[-1]
    reasons: list[str] = []
    if last.standing == "replace":
        reasons.append("replace_score")
    if len(rounds) >= 2 and last.standing in POOR and rounds[-2].standing in POOR:
        reasons.append("two_watch")
    if len(rounds) >= 2 and last.must_have_ones & rounds[-2].must_have_ones:
        reasons.append("must_have_one_twice")
    if last.replace_decided:
        reasons.append("owner_decision")
    return reasons
