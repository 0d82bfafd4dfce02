"""The form that confirms deleting a business: the owner types its name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Business

MISMATCH = _("That is not this business's name. Type “%(name)s” exactly; nothing was deleted.")


class BusinessDeleteForm(forms.Form):
    name = forms.CharField(
        label=_("Type the business name to confirm"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, business: Business, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.business = business
        self.fields["name"].help_text = _("Exactly as written: “%(name)s”.") % {
            "name": business.name
        }

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        if name != self.business.name.strip():
            raise forms.ValidationError(
                MISMATCH,
                code="name_mismatch",
                params={"name": self.business.name},
            )
        return name
