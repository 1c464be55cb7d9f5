"""The one-line summary of a filter form, shown on the folded form ("User: alice · Action: Member lookup")."""

from __future__ import annotations

import datetime

from django import forms, template
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

register = template.Library()


def _shown(field: forms.BoundField, value: object) -> str:
    if isinstance(field.field, forms.ChoiceField) and not isinstance(field.field, forms.ModelChoiceField):
        choices = {str(key): label for key, label in field.field.choices}
        return str(choices.get(str(value), value))
    if isinstance(value, datetime.date):  # a datetime too
        return date_format(value, "Y-m-d")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


@register.simple_tag
def filter_summary(form: forms.Form) -> str:
    """Each visible field that holds a value, as "label: value"; "no filters" when none does."""
    if not form.is_bound:
        return _("No filters")
    form.is_valid()  # the view validated it already; this reads the cached result
    cleaned = getattr(form, "cleaned_data", {})
    parts = []
    for field in form.visible_fields():
        value = cleaned.get(field.name, field.data)
        if value in (None, "", [], ()):
            continue
        shown = {"label": field.label, "value": _shown(field, value)}
        parts.append(pgettext("filter summary", "%(label)s: %(value)s") % shown)
    return pgettext("filter summary separator", " · ").join(parts) if parts else _("No filters")
