"""Form fields shared by the apps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice of rows that answers an id past 64 bits with "not a valid choice".

    Django guards exact lookups against integer overflow but not `pk__in`, so such an id
    would reach the database driver and raise (OverflowError on SQLite, DataError on
    PostgreSQL): a 500 instead of a form message.
    """

    def clean(self, value: Any) -> Any:
        for item in value if isinstance(value, list | tuple) else []:
            try:
                number = int(str(item))
            except ValueError:
                continue  # not a number: Django's own check reports it
            if not BIGINT_MIN <= number <= BIGINT_MAX:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        return super().clean(value)
