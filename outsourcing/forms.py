from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from .models import MAX_MONEY, Business, timezone_choices


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


class BusinessForm(forms.ModelForm):
    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices)
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
