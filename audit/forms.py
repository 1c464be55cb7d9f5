"""The audit log's filter form and its one query, shared by the page (audit/views.py) and its export (exports/)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditAction, AuditEntry
from audit.records import mask_mobile
from connections.models import VendorConnection
from pointsadmin.forms import refuse_null_characters_in_our_words

_TARGET_MAX = AuditEntry._meta.get_field("target").max_length or 255


class AuditFilterForm(forms.Form):
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date such as 2026-12-01.")},
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date such as 2026-12-01.")},
    )
    user = forms.ModelChoiceField(
        label=_("User"),
        queryset=get_user_model().objects.order_by("username"),
        required=False,
        empty_label=_("All"),
        error_messages={"invalid_choice": _("There is no such user.")},
    )
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[("", _("All")), *AuditAction.choices],
        required=False,
        error_messages={"invalid_choice": _("There is no such action.")},
    )
    target = forms.CharField(
        label=_("Target"),
        required=False,
        max_length=_TARGET_MAX,
        help_text=_("A member id, a mobile number (masked or not), a user name or a connection name."),
        error_messages={"max_length": _("A target is at most %(limit_value)d characters long.")},
    )
    connection = forms.ModelChoiceField(
        label=_("Vendor account"),
        queryset=VendorConnection.objects.order_by("name"),
        required=False,
        empty_label=_("All"),
        error_messages={"invalid_choice": _("There is no such vendor account.")},
    )
    page = forms.IntegerField(
        min_value=1,
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("A page number is a whole number."), "min_value": _("Pages start at 1.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        refuse_null_characters_in_our_words(self)

    def clean_page(self) -> int:
        # Clamped rather than refused: an old bookmark past the end still shows something useful.
        return min(self.cleaned_data.get("page") or 1, 10**6)

    def clean_target(self) -> str:
        # Entries hold mobiles masked: a full mobile typed here finds them as the masked one.
        return mask_mobile(self.cleaned_data.get("target", "").strip())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end date is before the start date."))
        return data

    def filter(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        """`entries` narrowed by every filter that validated (dates are days in the site's time zone)."""
        data = self.cleaned_data
        # From the start of the first day to the start of the day after the last, in the site's time zone: a
        # range of the indexed column itself (created_at__date would convert every entry's time to compare it).
        # The first and last days a date can be hold every entry: no bound is needed (nor can one be computed).
        if (start := data.get("start")) and start > date.min:
            entries = entries.filter(created_at__gte=_start_of(start))
        if (end := data.get("end")) and end < date.max:
            entries = entries.filter(created_at__lt=_start_of(end + timedelta(days=1)))
        if user := data.get("user"):
            entries = entries.filter(user=user)
        if action := data.get("action"):
            entries = entries.filter(action=action)
        if target := data.get("target"):
            entries = entries.filter(target=target)
        if connection := data.get("connection"):
            entries = entries.filter(connection=connection)
        return entries


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def selected_entries(form: AuditFilterForm) -> QuerySet[AuditEntry]:
    """The entries the filters that validated select, newest first: what the page lists and its export writes."""
    return form.filter(AuditEntry.objects.select_related("connection"))
