"""`_their_day`: each business's own today in the portfolio's SQL, as one `CASE` on its time
zone (the figures it gives, on both databases: tests/coach/test_portfolio_figures.py)."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from reviews.selectors import _their_day

DAY = dt.date(2026, 1, 1)


def _adapt(day: dt.date) -> object:
    return connection.ops.adapt_datefield_value(day)


def test_one_date_for_all_is_a_parameter():
    assert _their_day(DAY) == ("%s", [_adapt(DAY)])
    assert _their_day(DAY, 30) == ("%s", [_adapt(dt.date(2026, 1, 31))])


def test_zones_that_share_a_date_need_no_case():
    assert _their_day({"UTC": DAY, "Europe/Paris": DAY}, 2) == ("%s", [_adapt(DAY.replace(day=3))])


def test_zones_on_different_dates_get_a_case_on_the_time_zone():
    behind = DAY - dt.timedelta(days=1)
    sql, params = _their_day({"UTC": DAY, "Pacific/Pago_Pago": behind}, 30)
    assert sql == "CASE b.timezone WHEN %s THEN %s WHEN %s THEN %s END"
    assert params == [
        "UTC",
        _adapt(dt.date(2026, 1, 31)),
        "Pacific/Pago_Pago",
        _adapt(dt.date(2026, 1, 30)),
    ]
