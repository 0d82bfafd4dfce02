"""The keep/outsource rules (DESIGN.md), one by one, with their edges."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outsourcing.scoring import (
    CONSIDER,
    INDIRECT_CAUTION,
    KEEP,
    OUTSOURCE,
    TaskFigures,
    call_for,
    decide,
    format_hours,
    format_money,
    net_benefit,
    opportunity_cost,
)

D = Decimal
HOURLY = D("120")


def task(**overrides: object) -> TaskFigures:
    fields: dict[str, object] = {
        "hours_per_month": D("10"),
        "owner_skill": 3,
        "customer_contact": "none",
        "compliance_risk": "none",
        "primary_focus": False,
        "provider_monthly_cost": None,
    }
    fields.update(overrides)
    return TaskFigures(**fields)  # type: ignore[arg-type]


def call(**overrides: object):
    return decide(task(**overrides), HOURLY, "USD")


# --- the figures -----------------------------------------------------------------------------


def test_opportunity_cost_is_hours_times_hourly_value_in_cents():
    assert opportunity_cost(D("10"), D("120")) == D("1200.00")
    assert opportunity_cost(D("2.5"), D("33.33")) == D("83.33")  # 83.325 rounds half up
    assert opportunity_cost(D("0"), D("120")) == D("0.00")


def test_net_benefit_is_none_without_a_cost_and_signed_with_one():
    assert net_benefit(D("1200.00"), None) is None
    assert net_benefit(D("1200.00"), D("800")) == D("400.00")
    assert net_benefit(D("1200.00"), D("1500")) == D("-300.00")
    assert net_benefit(D("1200.00"), D("0")) == D("1200.00")


def test_break_even_price_equals_the_opportunity_cost():
    decision = call(provider_monthly_cost=D("100"))
    assert decision.break_even_price == decision.opportunity_cost == D("1200.00")


def test_money_and_hours_formatting():
    assert format_money(D("3120"), "USD") == "3,120.00 USD"
    assert format_money(D("-5.5"), "EUR") == "-5.50 EUR"
    assert format_hours(D("10.0")) == "10"
    assert format_hours(D("2.50")) == "2.5"
    assert format_hours(D("1E+1")) == "10"
    assert format_hours(D("744")) == "744"


# --- rule 1: direct customer contact ---------------------------------------------------------


def test_rule_1_direct_contact_is_kept_whatever_else():
    decision = call(
        customer_contact="direct",
        primary_focus=True,
        compliance_risk="high",
        owner_skill=1,
        provider_monthly_cost=D("1"),
    )
    assert (decision.call, decision.rule) == (KEEP, 1)
    assert decision.label == "Keep: customer-facing"
    assert "never hand over your direct link" in decision.reason
    assert "1,200.00 USD" in decision.reason
    assert decision.caution == ""  # caution belongs to indirect contact only
    assert decision.net_benefit == D("1199.00")  # the figures are still shown


# --- rule 2: primary focus -------------------------------------------------------------------


def test_rule_2_primary_focus_is_kept_even_when_outsourcing_would_save():
    decision = call(primary_focus=True, compliance_risk="high", provider_monthly_cost=D("1"))
    assert (decision.call, decision.rule, decision.label) == (KEEP, 2, "Keep: primary focus")
    assert "10 hours a month (1,200.00 USD)" in decision.reason


def test_rule_2_applies_to_indirect_contact_without_a_caution():
    decision = call(primary_focus=True, customer_contact="indirect")
    assert decision.rule == 2
    assert decision.caution == ""  # a Keep call carries no caution


# --- rule 3: high compliance risk and skill <= 3 ---------------------------------------------


@pytest.mark.parametrize("skill", [1, 2, 3])
def test_rule_3_high_risk_at_skill_3_or_less_goes_to_a_specialist(skill):
    decision = call(compliance_risk="high", owner_skill=skill, provider_monthly_cost=D("5000"))
    assert (decision.call, decision.rule) == (OUTSOURCE, 3)
    assert decision.label == "Outsource: a specialist lowers the risk"
    assert f"skill {skill} of 5" in decision.reason
    assert decision.net_benefit == D("-3800.00")  # even when it costs more than your time


def test_rule_3_boundary_skill_4_falls_through():
    decision = call(compliance_risk="high", owner_skill=4)
    assert decision.rule == 4  # no cost yet → get a quote


@pytest.mark.parametrize("risk", ["none", "low"])
def test_rule_3_needs_high_risk(risk):
    assert call(compliance_risk=risk, owner_skill=1).rule == 4


def test_rule_3_without_a_cost_still_says_outsource():
    decision = call(compliance_risk="high", owner_skill=2)
    assert decision.call == OUTSOURCE
    assert decision.net_benefit is None


# --- rule 4: no provider cost yet ------------------------------------------------------------


def test_rule_4_missing_cost_says_get_a_quote_with_the_break_even_price():
    decision = call(hours_per_month=D("6"))
    assert (decision.call, decision.rule, decision.label) == (CONSIDER, 4, "Consider: get a quote")
    assert decision.net_benefit is None
    assert decision.reason == (
        "Your 6 hours a month are worth 720.00 USD: a provider charging less than "
        "720.00 USD a month pays for itself."
    )


def test_rule_4_one_hour_is_singular():
    assert call(hours_per_month=D("1")).reason.startswith("Your 1 hour a month is worth")


def test_rule_4_zero_hours_says_a_provider_would_only_add_cost():
    decision = call(hours_per_month=D("0"))
    assert (decision.call, decision.rule) == (CONSIDER, 4)
    assert decision.opportunity_cost == decision.break_even_price == D("0.00")
    assert "0 hours a month" in decision.reason
    assert "only add cost" in decision.reason


def test_zero_cost_is_a_known_cost_not_a_missing_one():
    decision = call(provider_monthly_cost=D("0"))
    assert (decision.call, decision.rule) == (OUTSOURCE, 5)
    assert decision.net_benefit == D("1200.00")


# --- rule 5: net benefit > 0 -----------------------------------------------------------------


def test_rule_5_positive_net_benefit_outsources_and_says_how_much():
    decision = call(provider_monthly_cost=D("800"), owner_skill=5)
    assert (decision.call, decision.rule) == (OUTSOURCE, 5)
    assert decision.label == "Outsource: saves 400.00 USD a month"
    assert decision.net_benefit == D("400.00")
    assert "provider costs 800.00 USD" in decision.reason
    assert "saves 400.00 USD a month" in decision.reason


def test_rule_5_one_cent_of_benefit_is_enough():
    decision = call(provider_monthly_cost=D("1199.99"), owner_skill=5)
    assert (decision.rule, decision.net_benefit) == (5, D("0.01"))


# --- ties: net benefit exactly 0 -------------------------------------------------------------


def test_tie_at_skill_3_keeps_and_says_exactly():
    decision = call(provider_monthly_cost=D("1200.00"), owner_skill=3)
    assert (decision.call, decision.rule) == (KEEP, 7)
    assert decision.net_benefit == D("0.00")
    assert "costs as much as" in decision.label
    assert "exactly what your 10 hours a month are worth" in decision.reason


def test_tie_at_skill_2_considers():
    decision = call(provider_monthly_cost=D("1200.00"), owner_skill=2)
    assert (decision.call, decision.rule) == (CONSIDER, 6)


def test_zero_hours_and_zero_cost_is_a_tie():
    decision = call(hours_per_month=D("0"), provider_monthly_cost=D("0"), owner_skill=4)
    assert (decision.rule, decision.net_benefit) == (7, D("0.00"))


# --- rule 6: skill <= 2 ----------------------------------------------------------------------


@pytest.mark.parametrize("skill", [1, 2])
def test_rule_6_low_skill_considers_even_when_a_provider_costs_more(skill):
    decision = call(provider_monthly_cost=D("1500"), owner_skill=skill)
    assert (decision.call, decision.rule) == (CONSIDER, 6)
    assert decision.label == "Consider: someone else would do it better"
    assert f"skill {skill} of 5" in decision.reason
    assert decision.net_benefit == D("-300.00")


def test_rule_6_boundary_skill_3_keeps():
    decision = call(provider_monthly_cost=D("1500"), owner_skill=3)
    assert (decision.call, decision.rule) == (KEEP, 7)


# --- rule 7: otherwise -----------------------------------------------------------------------


def test_rule_7_keeps_when_a_provider_costs_more():
    decision = call(provider_monthly_cost=D("1500"), owner_skill=4)
    assert (decision.call, decision.rule) == (KEEP, 7)
    assert decision.label == "Keep for now: a provider costs more than your time here"
    assert "1,500.00 USD a month, more than the 1,200.00 USD" in decision.reason


# --- the indirect-contact caution ------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, rule",
    [
        ({"compliance_risk": "high", "owner_skill": 1}, 3),
        ({}, 4),
        ({"provider_monthly_cost": D("100")}, 5),
        ({"provider_monthly_cost": D("5000"), "owner_skill": 1}, 6),
    ],
)
def test_indirect_contact_adds_the_caution_to_outsource_and_consider(overrides, rule):
    decision = call(customer_contact="indirect", **overrides)
    assert decision.rule == rule
    assert decision.call in (OUTSOURCE, CONSIDER)
    assert decision.caution == INDIRECT_CAUTION


def test_indirect_contact_adds_no_caution_to_keep():
    decision = call(customer_contact="indirect", provider_monthly_cost=D("5000"), owner_skill=4)
    assert (decision.call, decision.caution) == (KEEP, "")


def test_no_contact_has_no_caution():
    assert call().caution == ""


# --- properties over all inputs --------------------------------------------------------------

hours = st.decimals(min_value=0, max_value=744, places=1, allow_nan=False, allow_infinity=False)
money = st.decimals(min_value=0, max_value=99_999_999, places=2, allow_nan=False)


@given(
    hours=hours,
    skill=st.integers(1, 5),
    contact=st.sampled_from(["none", "indirect", "direct"]),
    risk=st.sampled_from(["none", "low", "high"]),
    focus=st.booleans(),
    cost=st.none() | money,
    hourly=st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False),
)
def test_every_task_gets_one_explained_call_by_the_first_matching_rule(
    hours, skill, contact, risk, focus, cost, hourly
):
    figures = TaskFigures(hours, skill, contact, risk, focus, cost)
    decision = decide(figures, hourly, "USD")
    assert decision.call in (OUTSOURCE, CONSIDER, KEEP)
    assert decision.reason and decision.reason.endswith(".")
    assert decision.opportunity_cost == (hours * hourly).quantize(
        D("0.01"), rounding="ROUND_HALF_UP"
    )
    if contact == "direct":
        assert decision.rule == 1
    elif focus:
        assert decision.rule == 2
    elif risk == "high" and skill <= 3:
        assert decision.rule == 3
    elif cost is None:
        assert decision.rule == 4
    elif decision.opportunity_cost - cost > 0:
        assert decision.rule == 5
    elif skill <= 2:
        assert decision.rule == 6
    else:
        assert decision.rule == 7
    assert bool(decision.caution) == (contact == "indirect" and decision.call != KEEP)
    assert call_for(figures, hourly) == decision.call  # the fast path agrees
