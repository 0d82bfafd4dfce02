"""The keep/outsource decision, as pure functions of a task's figures (no I/O).

The rules are DESIGN.md's, in order; the first that matches makes the call. Every call
carries one plain sentence with the figures behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

OUTSOURCE = "outsource"
CONSIDER = "consider"
KEEP = "keep"

HIGH_RISK = "high"
DIRECT = "direct"
INDIRECT = "indirect"

INDIRECT_CAUTION = "Customers see this work: keep approval of what goes out in your hands."


@dataclass(frozen=True)
class TaskFigures:
    """What the rules need to know about one task."""

    hours_per_month: Decimal
    owner_skill: int
    customer_contact: str = "none"
    compliance_risk: str = "none"
    primary_focus: bool = False
    provider_monthly_cost: Decimal | None = None


@dataclass(frozen=True)
class Decision:
    call: str  # OUTSOURCE, CONSIDER or KEEP
    rule: int  # which of the seven rules matched (1-7)
    label: str  # e.g. "Keep: customer-facing"
    reason: str  # one plain sentence with the figures
    opportunity_cost: Decimal
    break_even_price: Decimal
    net_benefit: Decimal | None
    caution: str = ""


def as_decimal(value: Decimal | float | str) -> Decimal:
    """A Decimal from what a field or a sum may hold: an int or str from code before a save, a
    float from SQLite (which adds decimals as floating point)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str) -> str:
    return f"{money(amount):,.2f} {currency}"


def format_hours(hours: Decimal) -> str:
    """`10` for 10.0, `2.5` for 2.50: no trailing zeros, never scientific notation."""
    normal = hours.normalize()
    return f"{normal.quantize(Decimal(1)):f}" if normal == normal.to_integral() else f"{normal:f}"


def hours_phrase(hours: Decimal) -> str:
    return f"{format_hours(hours)} hour{'' if hours == 1 else 's'}"


def opportunity_cost(hours_per_month: Decimal, hourly_value: Decimal) -> Decimal:
    """What the owner's hours on a task are worth in a month."""
    return money(hours_per_month * hourly_value)


def net_benefit(cost_of_hours: Decimal, provider_monthly_cost: Decimal | None) -> Decimal | None:
    """Monthly gain from handing the task over; None until a provider's cost is known."""
    if provider_monthly_cost is None:
        return None
    return money(cost_of_hours - provider_monthly_cost)


CALL_OF_RULE = {1: KEEP, 2: KEEP, 3: OUTSOURCE, 4: CONSIDER, 5: OUTSOURCE, 6: CONSIDER, 7: KEEP}


def rule_for(task: TaskFigures, gain: Decimal | None) -> int:
    """Which of the seven rules makes the call: the first that matches."""
    if task.customer_contact == DIRECT:
        return 1
    if task.primary_focus:
        return 2
    if task.compliance_risk == HIGH_RISK and task.owner_skill <= 3:
        return 3
    if task.provider_monthly_cost is None:
        return 4
    if gain is not None and gain > 0:
        return 5
    if task.owner_skill <= 2:
        return 6
    return 7


@dataclass(frozen=True)
class Score:
    """A decision's figures without its sentence: what a task stores so that summaries and
    rankings over many tasks are SQL (see OwnerTask.suggested_call)."""

    call: str
    opportunity_cost: Decimal
    net_benefit: Decimal | None


def score(task: TaskFigures, hourly_value: Decimal) -> Score:
    """The call and the figures `decide` works out, without the sentence."""
    cost = opportunity_cost(task.hours_per_month, hourly_value)
    gain = net_benefit(cost, task.provider_monthly_cost)
    return Score(call=CALL_OF_RULE[rule_for(task, gain)], opportunity_cost=cost, net_benefit=gain)


def call_for(task: TaskFigures, hourly_value: Decimal) -> str:
    """Just the call, without the sentence: for summaries over many tasks."""
    return score(task, hourly_value).call


def decide(task: TaskFigures, hourly_value: Decimal, currency: str) -> Decision:
    """Apply the seven rules in order and explain the call in one sentence."""
    cost = opportunity_cost(task.hours_per_month, hourly_value)
    gain = net_benefit(cost, task.provider_monthly_cost)
    hours = hours_phrase(task.hours_per_month)
    # "your 1 hour a month is worth", "your 6 hours a month are worth"
    hours_are = f"{hours} a month {'is' if task.hours_per_month == 1 else 'are'}"
    worth = format_money(cost, currency)

    def made(call: str, rule: int, label: str, reason: str) -> Decision:
        caution = (
            INDIRECT_CAUTION
            if task.customer_contact == INDIRECT and call in (OUTSOURCE, CONSIDER)
            else ""
        )
        return Decision(
            call=call,
            rule=rule,
            label=label,
            reason=reason,
            caution=caution,
            opportunity_cost=cost,
            break_even_price=cost,
            net_benefit=gain,
        )

    rule = rule_for(task, gain)
    if rule == 1:
        return made(
            KEEP,
            1,
            "Keep: customer-facing",
            f"You talk to customers here: never hand over your direct link with them, "
            f"even though its {hours_are} worth {worth}.",
        )
    if rule == 2:
        return made(
            KEEP,
            2,
            "Keep: primary focus",
            f"Landing customers and delivering is where your {hours} a month ({worth}) count most.",
        )
    if rule == 3:
        return made(
            OUTSOURCE,
            3,
            "Outsource: a specialist lowers the risk",
            f"Mistakes here carry penalties and you rate your skill {task.owner_skill} of 5: "
            f"a specialist lowers the risk (your {hours_are} worth {worth}).",
        )
    if rule == 4 or task.provider_monthly_cost is None:
        if task.hours_per_month == 0:
            reason = (
                f"You log {hours} a month here, so a provider would only add cost: "
                "check the hours before you ask for a quote."
            )
        else:
            reason = (
                f"Your {hours_are} worth {worth}: a provider charging less "
                f"than {worth} a month pays for itself."
            )
        return made(CONSIDER, 4, "Consider: get a quote", reason)
    price = format_money(task.provider_monthly_cost, currency)
    if rule == 5 and gain is not None:
        return made(
            OUTSOURCE,
            5,
            f"Outsource: saves {format_money(gain, currency)} a month",
            f"Your {hours_are} worth {worth} and a provider costs {price}, "
            f"so handing it over saves {format_money(gain, currency)} a month.",
        )
    if rule == 6:
        return made(
            CONSIDER,
            6,
            "Consider: someone else would do it better",
            f"A provider costs {price} against {worth} of your time, but at skill "
            f"{task.owner_skill} of 5 someone else would do it better.",
        )
    if gain == 0:
        return made(
            KEEP,
            7,
            "Keep for now: a provider costs as much as your time here",
            f"A provider costs {price} a month, exactly what your {hours_are} worth, "
            "so handing it over saves nothing.",
        )
    return made(
        KEEP,
        7,
        "Keep for now: a provider costs more than your time here",
        f"A provider costs {price} a month, more than the {worth} your {hours_are} "
        "worth, so handing it over saves nothing.",
    )
