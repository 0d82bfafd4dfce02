"""Forms for coaches and people: shapes and messages only; the rules live in coach_services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import BusinessForm
from .models import Membership


class CoachInvitationForm(forms.Form):
    email = forms.EmailField(label=_("Coach's e-mail"), max_length=254)
    access = forms.ChoiceField(
        label=_("Access"),
        choices=Membership.Access.choices,
        initial=Membership.Access.EDIT,
        widget=forms.RadioSelect,
        help_text=_("Can edit: works in your account with you. View only: sees, changes nothing."),
    )


class OwnerInvitationForm(forms.Form):
    email = forms.EmailField(label=_("Owner's e-mail"), max_length=254)


class AccessForm(forms.Form):
    access = forms.ChoiceField(label=_("Access"), choices=Membership.Access.choices)


class ClientBusinessForm(BusinessForm):
    """A coach sets up a client's business and (optionally) invites its owner."""

    owner_email = forms.EmailField(
        label=_("Owner's e-mail"),
        required=False,
        max_length=254,
        help_text=_(
            "We e-mail the owner an invitation; they become the owner when they accept. "
            "Leave empty to invite them later from People."
        ),
    )

    class Meta(BusinessForm.Meta):
        fields = ("name", "currency", "timezone", "hourly_value")
        labels = {"name": _("Client's business name")}
