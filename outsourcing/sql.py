"""For the few reads written out in SQL: the pages where Django's building and compiling of a
query costs more than the database spends on it. Table names come from the models; every
value is a parameter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import Field


def converter(field: Field[Any, Any]) -> Callable[[Any], Any]:
    """`field`'s values as the ORM would give them, from what the database driver returns
    (SQLite's decimals and booleans, for one): Django's own converters for that column."""
    column = field.get_col(field.model._meta.db_table)
    steps = [*connection.ops.get_db_converters(column), *column.get_db_converters(connection)]
    if not steps:
        return lambda value: value

    def convert(value: Any) -> Any:
        for step in steps:
            value = step(value, column, connection)
        return value

    return convert
