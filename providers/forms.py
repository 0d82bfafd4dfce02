"""Input parsing for the providers pages. Rules live in services; forms check shapes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory

from outsourcing.fields import BoundedModelMultipleChoiceField
from outsourcing.models import Business, OwnerTask
from outsourcing.scoring import format_money

from .models import (
    BillingPeriod,
    Candidate,
    Duty,
    DutyCoverage,
    Engagement,
    Expertise,
    ExpertiseCheck,
    ExpertiseRequirement,
    JobDescription,
    Package,
    Provider,
    ReferenceCheck,
    ServiceCategory,
)
from .selectors import CandidatePage
from .services import CheckInput, CoverageInput, DutyInput, RequirementInput


class NoTagHelper(FormHelper):
    """Crispy renders the fields; the template owns the <form> tag and buttons."""

    form_tag = False
    disable_csrf = True


class ProviderFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"class": "form-control", "type": "search", "placeholder": "Name, city…"}
        ),
    )
    category = forms.ModelChoiceField(
        ServiceCategory.objects.all(),
        required=False,
        empty_label="All categories",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    expertise = forms.ModelChoiceField(
        Expertise.objects.all(),
        required=False,
        empty_label="Any expertise",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    local = forms.BooleanField(
        label="Local small businesses only",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    private = forms.BooleanField(
        label="Only my own providers",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


class PrivateProviderForm(forms.ModelForm):
    website = forms.URLField(required=False, assume_scheme="https", max_length=200)

    class Meta:
        model = Provider
        fields = (
            "name",
            "categories",
            "description",
            "website",
            "email",
            "phone",
            "city",
            "region",
            "is_local_small_business",
            "expertise",
        )
        widgets = {
            "categories": forms.CheckboxSelectMultiple,
            "expertise": forms.SelectMultiple(attrs={"size": 8}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {
            "categories": BoundedModelMultipleChoiceField,
            "expertise": BoundedModelMultipleChoiceField,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = NoTagHelper()


# --- job descriptions ----------------------------------------------------------------------


class JobForm(forms.ModelForm):
    class Meta:
        model = JobDescription
        fields = ("title", "category", "tasks", "goals", "monthly_budget")
        widgets = {
            "tasks": forms.CheckboxSelectMultiple,
            "goals": forms.Textarea(
                attrs={"rows": 3, "placeholder": "What should this relationship achieve?"}
            ),
        }
        labels = {"tasks": "Tasks it covers", "goals": "Goals for the relationship"}
        field_classes = {"tasks": BoundedModelMultipleChoiceField}
        help_texts = {"monthly_budget": "What you are ready to pay per month."}

    def __init__(self, *args: Any, business: Business, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the business's own inventory: another business's task id is "not a valid choice".
        self.fields["tasks"].queryset = OwnerTask.objects.for_business(business)  # type: ignore[attr-defined]
        self.fields["tasks"].required = False
        self.helper = NoTagHelper()


def _table_widgets(form: forms.BaseForm) -> None:
    """Rows rendered in a table: Bootstrap classes, and a label screen readers can use."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
        elif isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select form-select-sm"
        else:
            widget.attrs["class"] = "form-control form-control-sm"
        widget.attrs.setdefault("aria-label", str(field.label or name))


class DutyForm(forms.ModelForm):
    order = forms.IntegerField(required=False, min_value=0, max_value=999, label="Order")

    class Meta:
        model = Duty
        fields = ("what", "frequency", "success_measure", "importance", "order")
        labels = {"what": "Duty", "frequency": "How often"}
        widgets = {
            "what": forms.TextInput(attrs={"placeholder": "e.g. Reconcile bank accounts"}),
            "frequency": forms.TextInput(attrs={"placeholder": "e.g. weekly"}),
            "success_measure": forms.TextInput(attrs={"placeholder": "e.g. done by the 5th"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _table_widgets(self)


class BaseDutyFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        kept = [
            f for f in self.forms if f.cleaned_data.get("what") and not f.cleaned_data.get("DELETE")
        ]
        if not kept:
            raise forms.ValidationError("Write at least one duty: what should they do?")


DutyFormSet = inlineformset_factory(
    JobDescription,
    Duty,
    form=DutyForm,
    formset=BaseDutyFormSet,
    extra=1,
    can_delete=True,
    max_num=60,
    validate_max=True,
)


class RequirementForm(forms.ModelForm):
    class Meta:
        model = ExpertiseRequirement
        fields = ("expertise", "importance")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _table_widgets(self)


class BaseRequirementFormSet(BaseInlineFormSet):
    def add_fields(self, form: forms.BaseForm, index: int | None) -> None:
        super().add_fields(form, index)
        # One query for the expertise choices, whatever the number of rows.
        field: Any = form.fields["expertise"]
        if not hasattr(self, "_expertise_choices"):
            self._expertise_choices = list(field.choices)
        field.choices = self._expertise_choices

    def clean(self) -> None:
        super().clean()
        seen: set[int] = set()
        for form in self.forms:
            exp = form.cleaned_data.get("expertise")
            if exp is None or form.cleaned_data.get("DELETE"):
                continue
            if exp.pk in seen:
                form.add_error("expertise", f"“{exp}” is listed twice.")
            seen.add(exp.pk)


RequirementFormSet = inlineformset_factory(
    JobDescription,
    ExpertiseRequirement,
    form=RequirementForm,
    formset=BaseRequirementFormSet,
    extra=1,
    can_delete=True,
    max_num=40,
    validate_max=True,
)


def duty_inputs(formset: Any) -> list[DutyInput]:
    items = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data:
            continue
        instance_id = form.instance.pk if form.instance and form.instance.pk else None
        if not data.get("what") and instance_id is None:
            continue
        items.append(
            DutyInput(
                id=instance_id,
                what=data.get("what") or "",
                frequency=data.get("frequency") or "",
                success_measure=data.get("success_measure") or "",
                importance=data.get("importance") or "must",
                order=data.get("order") or 0,
                delete=bool(data.get("DELETE")),
            )
        )
    return items


def requirement_inputs(formset: Any) -> list[RequirementInput]:
    items = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("expertise") is None:
            continue
        items.append(
            RequirementInput(
                id=form.instance.pk if form.instance and form.instance.pk else None,
                expertise=data["expertise"],
                importance=data.get("importance") or "must",
                delete=bool(data.get("DELETE")),
            )
        )
    return items


# --- shortlist ---------------------------------------------------------------------------------


class PackageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        price = format_money(obj.price, obj.currency).strip()
        return f"{obj.provider.name} — {obj.name} ({price} {obj.get_billing_period_display()})"


class CandidateAddForm(forms.Form):
    provider = forms.ModelChoiceField(Provider.objects.none(), empty_label="Choose a provider")
    package = PackageChoiceField(
        Package.objects.none(), required=False, empty_label="No package (enter a quote)"
    )
    quoted_monthly_price = forms.DecimalField(
        required=False,
        min_value=Decimal("0"),
        max_digits=10,
        decimal_places=2,
        label="Quoted monthly price",
        help_text="Leave empty to use the package price (when it is in your currency).",
    )
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )

    def __init__(self, *args: Any, business: Business, job: JobDescription, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        providers = Provider.objects.visible_to(business).exclude(candidacies__job=job)
        self.fields["provider"].queryset = providers  # type: ignore[attr-defined]
        self.fields["package"].queryset = Package.objects.filter(  # type: ignore[attr-defined]
            provider__in=providers
        ).select_related("provider")
        self.helper = NoTagHelper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        provider, package = data.get("provider"), data.get("package")
        if provider and package and package.provider_id != provider.pk:
            self.add_error("package", f"That package is not one of {provider.name}'s.")
        return data


class CandidateEditForm(forms.ModelForm):
    class Meta:
        model = Candidate
        fields = ("package", "quoted_monthly_price", "status", "notes")
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["package"].queryset = self.instance.provider.packages.all()  # type: ignore[attr-defined]
        status: Any = self.fields["status"]
        if self.instance.status != Candidate.Status.HIRED:
            status.choices = [c for c in Candidate.Status.choices if c[0] != Candidate.Status.HIRED]
        self.helper = NoTagHelper()


class AssessForm(forms.Form):
    """Duty coverage and the expertise check-off for one candidate, one row per item."""

    def __init__(self, *args: Any, page: CandidatePage, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page = page
        lines = [("", "—")] + [(line, line) for line in page.package_lines]
        self.duty_rows = []
        for row in page.duties:
            d = row.duty.pk
            cov = row.coverage
            self.fields[f"cov_{d}"] = forms.ChoiceField(
                choices=DutyCoverage.Coverage.choices,
                initial=cov.coverage if cov else DutyCoverage.Coverage.NOT_COVERED,
                label=f"Coverage of “{row.duty.what}”",
            )
            current = cov.package_line if cov else ""
            choices = lines if current in dict(lines) else [*lines, (current, current)]
            self.fields[f"line_{d}"] = forms.ChoiceField(
                choices=choices, required=False, initial=current, label="Package line"
            )
            self.fields[f"extra_{d}"] = forms.DecimalField(
                required=False,
                min_value=Decimal("0"),
                max_digits=10,
                decimal_places=2,
                initial=cov.extra_monthly_cost if cov else None,
                label="Extra per month",
            )
            self.duty_rows.append((row, self[f"cov_{d}"], self[f"line_{d}"], self[f"extra_{d}"]))
        self.check_rows = []
        for req, check, claimed in page.requirements:
            e = req.expertise_id
            self.fields[f"exp_{e}"] = forms.ChoiceField(
                choices=ExpertiseCheck.Result.choices,
                initial=check.result if check else ExpertiseCheck.Result.NOT_VERIFIED,
                label=f"{req.expertise}",
            )
            self.fields[f"note_{e}"] = forms.CharField(
                required=False, max_length=300, initial=check.note if check else "", label="Note"
            )
            self.check_rows.append((req, claimed, self[f"exp_{e}"], self[f"note_{e}"]))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for row in self.page.duties:
            d = row.duty.pk
            if (
                data.get(f"cov_{d}") == DutyCoverage.Coverage.EXTRA_COST
                and data.get(f"extra_{d}") is None
            ):
                self.add_error(f"extra_{d}", "How much extra per month? Enter an amount.")
        return data

    def coverages(self) -> dict[int, CoverageInput]:
        data = self.cleaned_data
        return {
            row.duty.pk: CoverageInput(
                coverage=data[f"cov_{row.duty.pk}"],
                package_line=data.get(f"line_{row.duty.pk}") or "",
                extra_monthly_cost=data.get(f"extra_{row.duty.pk}"),
            )
            for row in self.page.duties
        }

    def checks(self) -> dict[int, CheckInput]:
        data = self.cleaned_data
        return {
            req.expertise_id: CheckInput(
                result=data[f"exp_{req.expertise_id}"],
                note=data.get(f"note_{req.expertise_id}") or "",
            )
            for req, _check, _claimed in self.page.requirements
        }


# --- references --------------------------------------------------------------------------------


class ReferenceForm(forms.ModelForm):
    class Meta:
        model = ReferenceCheck
        fields = ("name", "company", "contact", "customer_for")
        labels = {"customer_for": "How long a customer"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = NoTagHelper()


RATING_CHOICES = [
    ("", "Can't say"),
    ("5", "5 — excellent"),
    ("4", "4 — good"),
    ("3", "3 — meets expectations"),
    ("2", "2 — below expectations"),
    ("1", "1 — poor"),
]
HIRE_AGAIN_CHOICES = [("", "Not sure"), ("yes", "Yes"), ("no", "No")]


class ReferenceAnswerForm(forms.Form):
    """Per-duty ratings (1-5 or "can't say") with a comment each, and "would hire again"."""

    would_hire_again = forms.ChoiceField(
        choices=HIRE_AGAIN_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        label="Would you hire them again?",
    )
    comment = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Anything else we should know?",
    )

    def __init__(
        self, *args: Any, duties: list[Duty], with_status: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.duties = duties
        self.rows = []
        for duty in duties:
            self.fields[f"rating_{duty.pk}"] = forms.ChoiceField(
                choices=RATING_CHOICES, required=False, label=f"How well do they do: {duty.what}"
            )
            self.fields[f"comment_{duty.pk}"] = forms.CharField(
                required=False, max_length=1000, label="Comment"
            )
            self.rows.append((duty, self[f"rating_{duty.pk}"], self[f"comment_{duty.pk}"]))
        if with_status:
            self.fields["status"] = forms.ChoiceField(
                choices=ReferenceCheck.Status.choices, initial=ReferenceCheck.Status.ANSWERED
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        answered = (
            data.get("status", ReferenceCheck.Status.ANSWERED) == ReferenceCheck.Status.ANSWERED
        )
        if answered and self.duties and not self.ratings():
            raise forms.ValidationError("Rate at least one duty from 1 to 5 before sending.")
        return data

    def ratings(self) -> dict[int, tuple[int, str]]:
        data = getattr(self, "cleaned_data", {})
        out = {}
        for duty in self.duties:
            value = data.get(f"rating_{duty.pk}")
            if value:
                out[duty.pk] = (int(value), data.get(f"comment_{duty.pk}") or "")
        return out

    def hire_again(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("would_hire_again") or "")


# --- engagements -------------------------------------------------------------------------------


class EngagementForm(forms.ModelForm):
    class Meta:
        model = Engagement
        fields = (
            "kind",
            "start_date",
            "end_date",
            "package",
            "agreed_price",
            "billing_period",
            "notice_period_days",
            "renewal_date",
            "auto_renew",
            "exit_how_to_give_notice",
            "exit_data_to_take_back",
            "backup_candidate",
        )
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
            "renewal_date": forms.DateInput(attrs={"type": "date"}),
            "exit_how_to_give_notice": forms.Textarea(attrs={"rows": 2}),
            "exit_data_to_take_back": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "notice_period_days": "Notice period (days)",
            "backup_candidate": "Backup candidate (if this does not work out)",
        }

    def __init__(self, *args: Any, candidate: Candidate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidate = candidate
        self.fields["package"].queryset = candidate.provider.packages.all()  # type: ignore[attr-defined]
        self.fields["backup_candidate"].queryset = (  # type: ignore[attr-defined]
            Candidate.objects.filter(job_id=candidate.job_id)
            .exclude(pk=candidate.pk)
            .exclude(status=Candidate.Status.REJECTED)
            .select_related("provider")
        )
        self.fields["billing_period"].choices = BillingPeriod.choices  # type: ignore[attr-defined]
        self.helper = NoTagHelper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start = data.get("start_date")
        for name in ("end_date", "renewal_date"):
            value = data.get(name)
            if start and value and value < start:
                self.add_error(name, "This date cannot be before the start date.")
        return data

    def terms(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class EngagementEndForm(forms.Form):
    ended_on = forms.DateField(label="Last day", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why is it ending?",
    )

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.engagement = engagement
        self.helper = NoTagHelper()

    def clean_ended_on(self) -> Any:
        value = self.cleaned_data["ended_on"]
        if value < self.engagement.start_date:
            raise forms.ValidationError("The last day cannot be before the start date.")
        return value


class EngagementReplaceForm(forms.Form):
    backup = forms.ModelChoiceField(Candidate.objects.none(), label="Replace with")
    reason = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label="Why the change?"
    )
    start_date = forms.DateField(
        label="New provider starts on", widget=forms.DateInput(attrs={"type": "date"})
    )
    agreed_price = forms.DecimalField(min_value=Decimal("0"), max_digits=10, decimal_places=2)
    billing_period = forms.ChoiceField(choices=BillingPeriod.choices)
    notice_period_days = forms.IntegerField(min_value=0, max_value=3650, initial=30)
    renewal_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    auto_renew = forms.BooleanField(required=False)
    exit_how_to_give_notice = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="How to give notice",
    )
    exit_data_to_take_back = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Data and access to take back",
    )

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.engagement = engagement
        self.fields["backup"].queryset = (  # type: ignore[attr-defined]
            Candidate.objects.filter(job_id=engagement.job_id)
            .exclude(pk=engagement.candidate_id)
            .exclude(status=Candidate.Status.HIRED)
            .select_related("provider")
        )
        self.helper = NoTagHelper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, renewal = data.get("start_date"), data.get("renewal_date")
        if start and start < self.engagement.start_date:
            self.add_error(
                "start_date", "The new provider cannot start before the current one did."
            )
        if start and renewal and renewal < start:
            self.add_error("renewal_date", "This date cannot be before the start date.")
        return data

    def terms(self) -> dict[str, Any]:
        data = self.cleaned_data
        backup = data["backup"]
        return {
            "start_date": data["start_date"],
            "agreed_price": data["agreed_price"],
            "billing_period": data["billing_period"],
            "package": backup.package,
            "kind": self.engagement.kind,
            "notice_period_days": data["notice_period_days"],
            "renewal_date": data.get("renewal_date"),
            "auto_renew": data.get("auto_renew", False),
            "exit_how_to_give_notice": data.get("exit_how_to_give_notice", ""),
            "exit_data_to_take_back": data.get("exit_data_to_take_back", ""),
        }


class TemplateCopyForm(forms.Form):
    business = forms.ModelChoiceField(Business.objects.none(), label="Copy into", empty_label=None)

    def __init__(self, *args: Any, businesses: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["business"].queryset = businesses  # type: ignore[attr-defined]
