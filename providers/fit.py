"""Package fit and the candidate ranking, as pure functions (no I/O).

One list of duties runs through everything: a candidate covers some of them, has (or lacks)
the expertise the job needs, and its references rate it per duty. The comparison ranks
candidates by `FIT_RULE`, which the compare page shows word for word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from outsourcing.scoring import money, net_benefit

COVERED = "covered"
NOT_COVERED = "not_covered"
EXTRA_COST = "extra_cost"

HAS = "has"
LACKS = "lacks"
NOT_VERIFIED = "not_verified"

MONTHS_PER_PERIOD = {"monthly": 1, "quarterly": 3, "yearly": 12}

FIT_RULE = (
    "Candidates are ranked by, in order: the share of must-have duties they cover "
    "(covered or for an extra cost); then the fewest must-have skills they lack; then what "
    "their references say (average rating per duty, must-haves counted twice; no answers "
    "yet ranks last); then the money you keep each month (the covered tasks' worth in your "
    "hours minus the monthly cost); a local small business wins a tie."
)


def monthly_equivalent(price: Decimal | None, billing_period: str) -> Decimal | None:
    """A package price per month; None for one-off prices (they are not a monthly cost)."""
    if price is None:
        return None
    months = MONTHS_PER_PERIOD.get(billing_period)
    if months is None:
        return None
    return money(price / months)


def spread_evenly(total: Decimal, parts: int) -> list[Decimal]:
    """Split an amount in `parts` cent amounts that add up exactly (the last takes the rest)."""
    if parts <= 0:
        return []
    share = money(total / parts)
    shares = [share] * (parts - 1)
    shares.append(money(total) - share * (parts - 1))
    return shares


_WORD = re.compile(r"[a-z]{4,}")
_STOP = {"with", "from", "your", "each", "every", "month", "monthly", "weekly", "that", "this"}


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def suggest_line(duty_text: str, lines: Sequence[str]) -> str:
    """The package line that shares the most words with a duty, or "" when none does.

    Only a suggestion for the owner to confirm: matching meaning is their call.
    """
    wanted = _words(duty_text)
    best, best_score = "", 0
    for line in lines:
        score = len(wanted & _words(line))
        if score > best_score:
            best, best_score = line, score
    return best


@dataclass(frozen=True)
class DutyFit:
    is_must: bool
    coverage: str  # COVERED, NOT_COVERED or EXTRA_COST
    package_line: str = ""
    extra_monthly_cost: Decimal | None = None


@dataclass(frozen=True)
class Extras:
    """Package lines no duty uses: "more than you need", with a rough share of the price."""

    lines: list[str]
    share_of_price: Decimal | None  # monthly amount, None when the price is unknown
    percent: int


def unused_extras(
    lines: Sequence[str],
    used_lines: Iterable[str],
    monthly_price: Decimal | None,
    duty_texts: Iterable[str] = (),
) -> Extras:
    """Package lines no duty needs, and their pro-rata part of the price.

    A line is needed when a duty's coverage points at it, or when it shares a word with a
    covered duty ("Monthly bookkeeping" for "Bookkeeping and bank reconciliation"). The share
    is rough on purpose: each line is taken to be worth the same.
    """
    used = {line.strip().lower() for line in used_lines if line}
    wanted: set[str] = set()
    for text in duty_texts:
        wanted |= _words(text)
    unused = [
        line for line in lines if line.strip().lower() not in used and not (_words(line) & wanted)
    ]
    if not lines:
        return Extras(lines=[], share_of_price=None, percent=0)
    percent = round(100 * len(unused) / len(lines))
    share = money(monthly_price * len(unused) / len(lines)) if monthly_price is not None else None
    return Extras(lines=unused, share_of_price=share, percent=percent)


def reference_score(ratings: Iterable[tuple[int, bool]]) -> Decimal | None:
    """Mean per-duty rating (1-5) with must-have duties counted twice; None without answers."""
    total = weight = 0
    for rating, is_must in ratings:
        w = 2 if is_must else 1
        total += rating * w
        weight += w
    if weight == 0:
        return None
    return (Decimal(total) / weight).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CandidateFigures:
    """What the comparison needs to know about one candidate."""

    key: int
    duties: Sequence[DutyFit]
    expertise: Sequence[tuple[bool, str]]  # (is_must, HAS / LACKS / NOT_VERIFIED)
    ratings: Sequence[tuple[int, bool]]  # (rating, duty is must) from answered references
    base_monthly_price: Decimal | None  # quote, or the package price per month
    opportunity_cost: Decimal  # the covered tasks' hours x the owner's hourly value
    is_local_small_business: bool = False
    would_hire_again: Sequence[bool] = ()


@dataclass(frozen=True)
class Fit:
    key: int
    must_total: int
    must_covered: int
    must_covered_pct: int
    nice_total: int
    nice_covered: int
    extra_costs: Decimal
    monthly_cost: Decimal | None
    cost_per_covered_duty: Decimal | None
    must_expertise_total: int
    expertise_met: int
    expertise_total: int
    must_expertise_lacking: int
    reference_score: Decimal | None
    would_hire_again: int
    references_answered: int
    net_benefit: Decimal | None
    is_local_small_business: bool
    rank: int = 0
    notes: list[str] = field(default_factory=list)


def _covers(d: DutyFit) -> bool:
    return d.coverage in (COVERED, EXTRA_COST)


def candidate_fit(c: CandidateFigures) -> Fit:
    """All the side-by-side figures for one candidate."""
    must = [d for d in c.duties if d.is_must]
    nice = [d for d in c.duties if not d.is_must]
    must_covered = sum(1 for d in must if _covers(d))
    nice_covered = sum(1 for d in nice if _covers(d))
    covered = must_covered + nice_covered
    extra = money(
        sum(
            (d.extra_monthly_cost or Decimal("0") for d in c.duties if d.coverage == EXTRA_COST),
            Decimal("0"),
        )
    )
    monthly = None if c.base_monthly_price is None else money(c.base_monthly_price + extra)
    per_duty = money(monthly / covered) if monthly is not None and covered else None
    must_exp = [r for is_must, r in c.expertise if is_must]
    notes = []
    if must and must_covered < len(must):
        notes.append(f"{len(must) - must_covered} must-have duties not covered")
    lacking = sum(1 for r in must_exp if r == LACKS)
    if lacking:
        notes.append(f"lacks {lacking} must-have skills")
    if monthly is None:
        notes.append("no monthly price yet")
    return Fit(
        key=c.key,
        must_total=len(must),
        must_covered=must_covered,
        must_covered_pct=round(100 * must_covered / len(must)) if must else 100,
        nice_total=len(nice),
        nice_covered=nice_covered,
        extra_costs=extra,
        monthly_cost=monthly,
        cost_per_covered_duty=per_duty,
        must_expertise_total=len(must_exp),
        expertise_met=sum(1 for _, r in c.expertise if r == HAS),
        expertise_total=len(c.expertise),
        must_expertise_lacking=lacking,
        reference_score=reference_score(c.ratings),
        would_hire_again=sum(1 for yes in c.would_hire_again if yes),
        references_answered=len(c.would_hire_again),
        net_benefit=net_benefit(c.opportunity_cost, monthly),
        is_local_small_business=c.is_local_small_business,
        notes=notes,
    )


def _sort_key(f: Fit) -> tuple:
    score = f.reference_score if f.reference_score is not None else Decimal("-1")
    benefit = f.net_benefit if f.net_benefit is not None else Decimal("-1e12")
    return (
        -f.must_covered_pct,
        f.must_expertise_lacking,
        -score,
        -benefit,
        not f.is_local_small_business,
        f.key,
    )


def rank(candidates: Iterable[CandidateFigures]) -> list[Fit]:
    """Every candidate's figures, best first by FIT_RULE, each with its 1-based rank."""
    fits = sorted((candidate_fit(c) for c in candidates), key=_sort_key)
    return [replace(f, rank=i) for i, f in enumerate(fits, start=1)]
