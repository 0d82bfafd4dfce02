"""The pure package-fit and ranking maths."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from providers import fit
from providers.fit import CandidateFigures, DutyFit

D = Decimal


def figures(key: int, **overrides) -> CandidateFigures:
    base = {
        "key": key,
        "duties": [
            DutyFit(True, fit.COVERED),
            DutyFit(True, fit.COVERED),
            DutyFit(False, fit.NOT_COVERED),
        ],
        "expertise": [(True, fit.HAS)],
        "ratings": [],
        "base_monthly_price": D("500"),
        "opportunity_cost": D("1200"),
    }
    base.update(overrides)
    return CandidateFigures(**base)


def test_monthly_equivalent_per_billing_period():
    assert fit.monthly_equivalent(D("600"), "monthly") == D("600.00")
    assert fit.monthly_equivalent(D("600"), "quarterly") == D("200.00")
    assert fit.monthly_equivalent(D("1000"), "yearly") == D("83.33")
    assert fit.monthly_equivalent(D("1000"), "one_off") is None
    assert fit.monthly_equivalent(None, "monthly") is None


def test_spread_evenly_adds_up_to_the_cent():
    assert fit.spread_evenly(D("100"), 3) == [D("33.33"), D("33.33"), D("33.34")]
    assert fit.spread_evenly(D("100"), 0) == []


@given(
    st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False),
    st.integers(min_value=1, max_value=50),
)
def test_spread_evenly_always_sums_to_the_total(total, parts):
    shares = fit.spread_evenly(total, parts)
    assert len(shares) == parts
    assert sum(shares) == total.quantize(D("0.01"))


def test_suggest_line_picks_the_line_sharing_most_words():
    lines = ["Monthly bookkeeping and bank reconciliation", "Payroll runs", "Annual tax return"]
    assert fit.suggest_line("Reconcile the bank accounts", lines) == lines[0]  # "bank"
    assert fit.suggest_line("Bank reconciliation every week", lines) == lines[0]
    assert fit.suggest_line("Run payroll", lines) == "Payroll runs"
    assert fit.suggest_line("Water the plants", lines) == ""


def test_unused_extras_share_the_price_pro_rata():
    lines = ["Bookkeeping", "Payroll", "Tax return", "CFO call"]
    extras = fit.unused_extras(lines, ["bookkeeping", "Payroll", ""], D("400"))
    assert extras.lines == ["Tax return", "CFO call"]
    assert extras.share_of_price == D("200.00")
    assert extras.percent == 50


def test_a_line_sharing_a_word_with_a_covered_duty_is_not_an_extra():
    lines = ["Monthly bookkeeping", "Bank reconciliation", "CFO call"]
    extras = fit.unused_extras(
        lines, ["Bank reconciliation"], D("300"), ["Bookkeeping and bank reconciliation"]
    )
    assert extras.lines == ["CFO call"] and extras.share_of_price == D("100.00")


def test_unused_extras_without_price_or_lines():
    assert fit.unused_extras([], [], D("400")).lines == []
    assert fit.unused_extras(["A"], [], None).share_of_price is None


def test_reference_score_counts_must_haves_twice():
    assert fit.reference_score([]) is None
    # (5*2 + 2*1) / 3 = 4.0
    assert fit.reference_score([(5, True), (2, False)]) == D("4.0")


def test_candidate_fit_figures():
    f = fit.candidate_fit(
        figures(
            1,
            duties=[
                DutyFit(True, fit.COVERED),
                DutyFit(True, fit.EXTRA_COST, extra_monthly_cost=D("50")),
                DutyFit(True, fit.NOT_COVERED),
                DutyFit(False, fit.COVERED),
            ],
            expertise=[(True, fit.HAS), (True, fit.LACKS), (False, fit.NOT_VERIFIED)],
            ratings=[(4, True)],
            would_hire_again=[True, False],
            is_local_small_business=True,
        )
    )
    assert (f.must_covered, f.must_total, f.must_covered_pct) == (2, 3, 67)
    assert (f.nice_covered, f.nice_total) == (1, 1)
    assert f.extra_costs == D("50.00")
    assert f.monthly_cost == D("550.00")
    assert f.cost_per_covered_duty == D("183.33")
    assert (f.expertise_met, f.expertise_total, f.must_expertise_lacking) == (1, 3, 1)
    assert f.reference_score == D("4.0")
    assert (f.would_hire_again, f.references_answered) == (1, 2)
    assert f.net_benefit == D("650.00")
    assert "1 must-have duties not covered" in f.notes


def test_candidate_without_price_has_no_net_benefit():
    f = fit.candidate_fit(figures(1, base_monthly_price=None))
    assert f.monthly_cost is None and f.net_benefit is None
    assert "no monthly price yet" in f.notes


def test_no_must_duties_counts_as_fully_covered():
    f = fit.candidate_fit(figures(1, duties=[DutyFit(False, fit.NOT_COVERED)]))
    assert f.must_covered_pct == 100


def test_rank_orders_by_the_fit_rule():
    cheap_but_gappy = figures(
        1,
        duties=[DutyFit(True, fit.COVERED), DutyFit(True, fit.NOT_COVERED)],
        base_monthly_price=D("100"),
    )
    lacks_skill = figures(2, expertise=[(True, fit.LACKS)], base_monthly_price=D("100"))
    good_refs = figures(3, ratings=[(5, True)], base_monthly_price=D("900"))
    ok_refs_cheaper = figures(4, ratings=[(3, True)], base_monthly_price=D("200"))
    no_refs_cheapest = figures(5, base_monthly_price=D("50"))
    ranked = fit.rank([cheap_but_gappy, lacks_skill, good_refs, ok_refs_cheaper, no_refs_cheapest])
    assert [f.key for f in ranked] == [3, 4, 5, 2, 1]
    assert [f.rank for f in ranked] == [1, 2, 3, 4, 5]


def test_rank_money_then_local_breaks_ties():
    a = figures(1, base_monthly_price=D("500"))
    b = figures(2, base_monthly_price=D("400"))
    c = figures(3, base_monthly_price=D("400"), is_local_small_business=True)
    assert [f.key for f in fit.rank([a, b, c])] == [3, 2, 1]


def test_rank_unknown_price_goes_after_known_prices():
    a = figures(1, base_monthly_price=None)
    b = figures(2, base_monthly_price=D("5000"))  # costs more than the hours are worth
    assert [f.key for f in fit.rank([a, b])] == [2, 1]
