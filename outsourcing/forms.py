from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm, UsernameField
from django.contrib.auth.models import User
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from .fragments import esc
from .models import MAX_HOURS_PER_MONTH, MAX_MONEY, Business, OwnerTask, timezone_choices
from .starter import STARTER_BY_KEY, STARTER_TASKS, StarterTask


class SignupForm(UserCreationForm):
    """Sign up with an e-mail address; it doubles as the username."""

    email = forms.EmailField(label=_("E-mail"), max_length=150)

    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(username__iexact=email).exists():
            raise forms.ValidationError(
                _("An account with this e-mail already exists. Log in instead.")
            )
        return email

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.username = self.cleaned_data["email"]
        user.email = self.cleaned_data["email"]
        if commit:
            user.save()
        return user


class PlainSelect(forms.Select):
    """A <select> whose options are written out here, not through the widget templates: those
    render each option through a template include, ~40 ms for the ~600 time zones. Same HTML
    (every value escaped); no option groups."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        chosen = {str(v) for v in self.format_value(value)}
        options = "".join(
            f'<option value="{esc(choice)}"'
            f"{' selected' if str(choice) in chosen else ''}>{esc(label)}</option>"
            for choice, label in self.choices
        )
        return format_html(
            '<select name="{}"{}>\n{}\n</select>',
            name,
            flatatt(final),
            mark_safe(options),  # noqa: S308
        )


class BusinessForm(forms.ModelForm):
    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices, widget=PlainSelect)
    hourly_value = forms.DecimalField(
        label=_("Your hourly value"),
        min_value=Decimal("0.01"),
        max_value=MAX_MONEY,
        max_digits=10,
        decimal_places=2,
        help_text=_("What an hour of your time is worth. Not sure? Use the calculator below."),
    )

    class Meta:
        model = Business
        fields = ("name", "currency", "timezone", "hourly_value")


# --- The task inventory ---------------------------------------------------------------------

NOT_A_REAL_NUMBER = _("Enter a real number: NaN and Infinity are not amounts.")


class FriendlyDecimalField(forms.DecimalField):
    """A DecimalField whose messages say what to type instead.

    Django already refuses NaN and Infinity; this says so in words, and explains thousands
    separators, which people paste from spreadsheets.
    """

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            lowered = text.lower().lstrip("+-")
            if lowered in {"nan", "snan", "inf", "infinity"}:
                raise forms.ValidationError(NOT_A_REAL_NUMBER, code="invalid")
            if "," in text:
                raise forms.ValidationError(
                    _("Type the number without thousands separators, e.g. 1200.50."),
                    code="invalid",
                )
            value = text
        return super().to_python(value)


def hours_field(**kwargs: object) -> FriendlyDecimalField:
    return FriendlyDecimalField(
        label=_("Hours a month"),
        min_value=Decimal("0"),
        max_value=MAX_HOURS_PER_MONTH,
        max_digits=5,
        decimal_places=1,
        error_messages={
            "required": _("Enter the hours you spend on this a month (0 to 744)."),
            "invalid": _("Enter the hours as a number, e.g. 6 or 2.5."),
            "min_value": _("Hours can't be negative: enter 0 to 744."),
            "max_value": _("A month has at most 744 hours (31 days of 24 hours): enter 0 to 744."),
            "max_decimal_places": _("Use at most one decimal place, e.g. 2.5."),
            "max_digits": _("A month has at most 744 hours (31 days of 24 hours): enter 0 to 744."),
            "max_whole_digits": _(
                "A month has at most 744 hours (31 days of 24 hours): enter 0 to 744."
            ),
        },
        **kwargs,  # type: ignore[arg-type]
    )


def money_form_field(**kwargs: object) -> FriendlyDecimalField:
    return FriendlyDecimalField(
        min_value=Decimal("0"),
        max_value=MAX_MONEY,
        max_digits=10,
        decimal_places=2,
        error_messages={
            "invalid": _("Enter an amount as a number, e.g. 450 or 450.00."),
            "min_value": _("An amount can't be negative."),
            "max_value": _("That is more than 99,999,999.99: check the amount."),
            "max_digits": _("That is more than 99,999,999.99: check the amount."),
            "max_whole_digits": _("That is more than 99,999,999.99: check the amount."),
            "max_decimal_places": _("Use at most two decimal places (cents)."),
        },
        **kwargs,  # type: ignore[arg-type]
    )


class OwnerTaskForm(forms.ModelForm):
    name = forms.CharField(
        label=_("Task"),
        max_length=120,
        error_messages={
            "required": _("Give the task a name, e.g. “Bookkeeping”."),
            "max_length": _("Keep the name to %(limit_value)d characters (it has %(show_value)d)."),
        },
    )
    notes = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": _("Keep notes to %(limit_value)d characters (they have %(show_value)d)."),
        },
    )
    hours_per_month = hours_field(help_text=_("Between 0 and 744 (every hour of a 31-day month)."))
    provider_monthly_cost = money_form_field(
        label=_("Provider's monthly cost"),
        required=False,
        help_text=_("Leave empty until you have a quote."),
    )

    class Meta:
        model = OwnerTask
        fields = (
            "name",
            "category",
            "hours_per_month",
            "owner_skill",
            "customer_contact",
            "compliance_risk",
            "primary_focus",
            "energy",
            "provider_monthly_cost",
            "status",
            "notes",
        )
        labels = {
            "primary_focus": _("This is my primary focus (landing customers or delivering)"),
            "energy": _("How it feels"),
        }


class OverrideForm(forms.ModelForm):
    override_call = forms.ChoiceField(
        label=_("Your call"),
        required=False,
        choices=[("", _("Use the suggested call")), *OwnerTask.Call.choices],
    )
    override_reason = forms.CharField(
        label=_("Why?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown next to the suggested call, so you remember later."),
        error_messages={
            "max_length": _(
                "Keep the reason to %(limit_value)d characters (it has %(show_value)d)."
            ),
        },
    )

    class Meta:
        model = OwnerTask
        fields = ("override_call", "override_reason")

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        call = data.get("override_call") or ""
        reason = (data.get("override_reason") or "").strip()
        if call and not reason:
            self.add_error("override_reason", _("Write a reason for overriding the call."))
        if not call:
            data["override_reason"] = ""
        else:
            data["override_reason"] = reason
        return data


class StarterTaskForm(forms.Form):
    """One row of the starter checklist: tick it, adjust its hours."""

    key = forms.ChoiceField(
        choices=[(t.key, t.name) for t in STARTER_TASKS], widget=forms.HiddenInput
    )
    selected = forms.BooleanField(required=False)
    hours_per_month = hours_field(required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("selected"):
            # An unticked row is not created: whatever is in its hours box does not matter.
            self.errors.pop("hours_per_month", None)
            data["hours_per_month"] = None
        elif (
            data.get("selected")
            and data.get("hours_per_month") is None
            and not self.has_error("hours_per_month")
        ):
            self.add_error("hours_per_month", _("Enter the hours a month (0 to 744)."))
        return data

    @property
    def starter(self) -> StarterTask | None:
        key = self.initial.get("key") or (
            self.data.get(self.add_prefix("key")) if self.data else None
        )
        return STARTER_BY_KEY.get(str(key)) if key else None


StarterFormSet = forms.formset_factory(
    StarterTaskForm,
    extra=0,
    max_num=len(STARTER_TASKS),
    absolute_max=len(STARTER_TASKS),
    validate_max=True,
)


SORT_CHOICES = [
    ("name", _("Name (A to Z)")),
    ("-name", _("Name (Z to A)")),
    ("-hours", _("Most hours first")),
    ("hours", _("Fewest hours first")),
    ("-cost", _("Highest opportunity cost first")),
    ("cost", _("Lowest opportunity cost first")),
    ("call", _("Call (outsource first)")),
    ("-call", _("Call (keep first)")),
]


class TaskFilterForm(forms.Form):
    """The list's sort and filters, read from the query string; bad values fall back."""

    q = forms.CharField(label=_("Search"), required=False, max_length=120)
    category = forms.ChoiceField(
        required=False, choices=[("", _("All categories")), *OwnerTask.Category.choices]
    )
    status = forms.ChoiceField(
        required=False, choices=[("", _("All statuses")), *OwnerTask.Status.choices]
    )
    call = forms.ChoiceField(
        required=False, choices=[("", _("All calls")), *OwnerTask.Call.choices]
    )
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            cleaned = {}
            for name in self.fields:
                try:
                    cleaned[name] = self.fields[name].clean(self.data.get(name, ""))
                except forms.ValidationError:
                    cleaned[name] = ""
            return {k: v or "" for k, v in cleaned.items()}
        return {k: v or "" for k, v in self.cleaned_data.items()}


class TaskImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 CSV with a header row, at most 1 MB and 1,000 rows."),
        error_messages={
            "required": _("Choose a CSV file to import."),
            "empty": _("The file is empty."),
        },
    )


class EmailAuthenticationForm(AuthenticationForm):
    """Log in with the e-mail address, in any letter case (sign-up stores it in lower case)."""

    username = UsernameField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean_username(self) -> str:
        return str(self.cleaned_data.get("username", "")).strip().lower()
