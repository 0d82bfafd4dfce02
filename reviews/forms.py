"""Input parsing for the review pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from django import forms
from django.utils.translation import gettext_lazy as _

from providers.models import Duty

from .models import NotificationPreference, ReplacementFlag, Review, ReviewSchedule

RATING_CHOICES = [
    (5, "5 — excellent"),
    (4, "4 — good"),
    (3, "3 — meets expectations"),
    (2, "2 — below expectations"),
    (1, "1 — failing"),
]


class Radio(NamedTuple):
    id: str
    value: str
    label: str
    checked: bool


class DutyRow(NamedTuple):
    """One duty of the review form: its rating field with its radios as plain values (the
    view writes them out as HTML, see reviews.views._duty_fieldset), and its comment."""

    duty: Duty
    rating: forms.BoundField
    radios: list[Radio]
    comment: forms.BoundField


def _radios(field: forms.BoundField) -> list[Radio]:
    """What RadioSelect renders for each option (id, value, label, ticked), as plain values.

    The review form writes its radios out itself: a widget template per radio cost more than
    the rest of the page. Same ids and the same rule for the tick (the value sent,
    as a string), so a re-shown form keeps what was chosen.
    """
    value = field.value()
    ticked = "" if value is None else str(value)
    return [
        Radio(f"{field.auto_id}_{i}", str(v), str(label), str(v) == ticked)
        for i, (v, label) in enumerate(field.field.choices)  # type: ignore[attr-defined]
    ]


class ReviewForm(forms.Form):
    """One 1-5 rating and a comment per duty, overall notes and a decision."""

    notes = forms.CharField(
        label=_("Overall notes"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=Review.Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose keep, watch or replace.")},
    )

    def __init__(self, *args: Any, duties: Sequence[Duty], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.duties = list(duties)
        for duty in self.duties:
            self.fields[f"rating_{duty.pk}"] = forms.TypedChoiceField(
                label=duty.what,
                choices=RATING_CHOICES,
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                error_messages={"required": _("Rate this duty from 1 to 5.")},
            )
            self.fields[f"comment_{duty.pk}"] = forms.CharField(
                label=_("Comment"), required=False, max_length=1000
            )

    def duty_rows(self) -> list[DutyRow]:
        return [self._duty_row(d) for d in self.duties]

    def _duty_row(self, duty: Duty) -> DutyRow:
        rating = self[f"rating_{duty.pk}"]
        return DutyRow(duty, rating, _radios(rating), self[f"comment_{duty.pk}"])

    def decision_radios(self) -> list[Radio]:
        return _radios(self["decision"])

    def ratings(self) -> dict[int, tuple[int, str]]:
        return {
            d.pk: (self.cleaned_data[f"rating_{d.pk}"], self.cleaned_data[f"comment_{d.pk}"])
            for d in self.duties
        }


class FlagResolveForm(forms.Form):
    resolution = forms.ChoiceField(
        choices=ReplacementFlag.Resolution.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose keep or replace.")},
    )
    note = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you keep them: why, and what you agreed."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("resolution") == ReplacementFlag.Resolution.KEEP_WITH_NOTE
            and not (data.get("note") or "").strip()
        ):
            self.add_error("note", _("Say why you keep them: the note is required."))
        return data


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = ReviewSchedule
        fields = ["quarterly_interval_months", "annual_interval_months", "quarterly_count"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        close, relaxed = data.get("quarterly_interval_months"), data.get("annual_interval_months")
        if close and relaxed and relaxed < close:
            self.add_error(
                "annual_interval_months",
                _("The relaxed interval cannot be shorter than the close one."),
            )
        return data


class NotificationPreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["email_enabled"]
