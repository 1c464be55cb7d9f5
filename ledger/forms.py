"""Filter forms of the ledger pages: every query parameter a page reads goes through one of these.

Paging is lenient (a bad page is clamped, an unknown page size falls back to the default: old bookmarks and
hand-edited URLs); filters that change what is asked of the vendor are strict, with an inline message.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from vendors.base import VendorProfile
from vendors.parsing import SHANGHAI
from vendors.results import Direction, HistoryQuery, LedgerQuery, RankingField, RankingQuery

PAGE_SIZES = (10, 20, 50, 100)
DEFAULT_PAGE_SIZE = 20
# Far beyond any real ledger, small enough that page * size stays a sane number for a vendor.
MAX_PAGE = 10_000
MAX_RANKING_IDS = 1_000
MAX_ID_LENGTH = 64
# Commas and semicolons, ASCII or full-width (pasted from Chinese documents), and whitespace.
_ID_SEPARATORS = re.compile("[\\s,;\uff0c\uff1b]+")
_MOBILE = re.compile(r"1\d{10}")

DIRECTION_LABELS = {
    Direction.ADD: _("Added"),
    Direction.SUBTRACT: _("Subtracted"),
    Direction.FREEZE: _("Frozen"),
}


def _whole_number(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def day_end(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=SHANGHAI)


def shanghai_today() -> date:
    return timezone.now().astimezone(SHANGHAI).date()


def date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class OurMessagesForm(forms.Form):
    """Our own words for every field's errors, naming the field (Django's stock ones read "确保该变量包含不超过
    100 字符"); set per instance so that they are in the language of the request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            label = str(field.label or (gettext("Page") if name == "page" else name))
            messages = {
                "required": gettext("%(label)s: please fill this in."),
                "max_length": gettext("%(label)s: at most %(limit_value)d characters (this has %(show_value)d)."),
                "min_length": gettext("%(label)s: at least %(limit_value)d characters (this has %(show_value)d)."),
                "invalid_choice": gettext("%(label)s: there is no such choice."),
                "min_value": gettext("%(label)s: at least %(limit_value)s."),
                "max_value": gettext("%(label)s: at most %(limit_value)s."),
                "null_characters_not_allowed": gettext("%(label)s: this contains a null character. Type it again."),
            }
            if isinstance(field, forms.DateField):
                messages["invalid"] = gettext("%(label)s: enter a date such as 2026-12-01.")
            elif isinstance(field, forms.IntegerField):
                messages["invalid"] = gettext("%(label)s: enter a whole number.")
            # The label goes in now; the limits are filled in by Django when the error is raised.
            field.error_messages.update({key: text.replace("%(label)s", label) for key, text in messages.items()})


class PagedForm(OurMessagesForm):
    """A filter form with page and page_size, which are never invalid (see the module docstring). It works on
    its own copy of the query, to show what it applied (a default period, the clamp of a bad page size)."""

    page = forms.CharField(required=False, widget=forms.HiddenInput)
    page_size = forms.TypedChoiceField(label=_("Rows per page"), required=False, coerce=int)

    def __init__(self, data: Any = None, *, max_page_size: int = PAGE_SIZES[-1], **kwargs: Any) -> None:
        super().__init__(None if data is None else data.copy(), **kwargs)
        self.setup_paging(max_page_size)

    def setup_paging(self, max_page_size: int) -> None:
        sizes = [size for size in PAGE_SIZES if size <= max_page_size] or [max_page_size]
        self.fields["page_size"].choices = [(str(size), str(size)) for size in sizes]
        if self.is_bound:
            size = _whole_number(self.data.get("page_size"))
            if size not in sizes:
                size = DEFAULT_PAGE_SIZE if DEFAULT_PAGE_SIZE in sizes else sizes[-1]
            self.data["page_size"] = str(size)

    def clean_page(self) -> int:
        return min(max(_whole_number(self.cleaned_data["page"]) or 1, 1), MAX_PAGE)


class ConnectionChoiceForm(PagedForm):
    """A list page's filters, starting with the vendor account it lists (one of `connection_choices`)."""

    connection = forms.TypedChoiceField(label=_("Vendor account"), required=False, coerce=int, empty_value=None)

    def __init__(self, data: Any = None, *, connection_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["connection"].choices = [(str(pk), name) for pk, name in connection_choices]


class MemberSearchForm(OurMessagesForm):
    q = forms.CharField(
        label=_("Member"),
        required=False,
        max_length=100,
        strip=True,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    connection = forms.IntegerField(label=_("Vendor account"), required=False, min_value=1, max_value=2**31 - 1)
    # Every vendor's panel rendered on the server before the page is sent (browsers without JavaScript).
    all = forms.BooleanField(required=False)


class RevealMobileForm(OurMessagesForm):
    connection_id = forms.IntegerField(label=_("Vendor account"), min_value=1, max_value=2**31 - 1)
    member_id = forms.CharField(label=_("Member id"), max_length=100, strip=True)


PERIOD_CHOICES = [
    ("today", _("Today")),
    ("7d", _("Last 7 days")),
    ("30d", _("Last 30 days")),
    ("month", _("This month")),
    ("custom", _("Custom")),
]
PERIOD_DAYS_BEFORE_TODAY = {"today": 0, "7d": 6, "30d": 29}


class HistoryFilterForm(PagedForm):
    """Filters of one member's history (and, with member fields, of the shop ledger), shaped by the vendor."""

    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, required=False)
    start = date_field(_("From"))
    end = date_field(_("To"))
    direction = forms.ChoiceField(label=_("Direction"), required=False)
    type_code = forms.CharField(label=_("Points type (number)"), required=False, max_length=64, strip=True)

    default_period = "30d"
    # What to show first, then how many rows (page_size, declared first by PagedForm, goes last).
    field_order = ["period", "start", "end", "direction", "type_code"]

    def __init__(self, data: Any = None, *, profile: VendorProfile, **kwargs: Any) -> None:
        super().__init__(data, max_page_size=profile.max_page_size, **kwargs)
        if self.is_bound and not self.data.get("period"):
            # Show the period actually applied; dates without a period (a hand-made link) mean those dates.
            self.data["period"] = "custom" if self.data.get("start") or self.data.get("end") else self.default_period
        elif self.is_bound and self.data.get("period") != "custom":
            # A preset period wins over dates sent with it: those are not shown, as they were not applied.
            self.data.pop("start", None)
            self.data.pop("end", None)
        self.profile = profile
        directions = [d for d in Direction if d in profile.history_directions]
        if directions:
            self.fields["direction"].choices = [("", _("All")), *((d.value, DIRECTION_LABELS[d]) for d in directions)]
        else:
            del self.fields["direction"]
        if not profile.history_type_filter:
            del self.fields["type_code"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        period = cleaned.get("period") or self.default_period
        today = shanghai_today()
        if period in PERIOD_DAYS_BEFORE_TODAY:
            start_day, end_day = today - timedelta(days=PERIOD_DAYS_BEFORE_TODAY[period]), today
        elif period == "month":
            start_day, end_day = today.replace(day=1), today
        else:
            start_day, end_day = cleaned.get("start"), cleaned.get("end") or today
            if start_day is None and "start" not in self.errors:
                self.add_error("start", _("Choose the first day of the custom period."))
        if start_day is None:
            return cleaned
        limit = self.profile.max_history_days
        if end_day < start_day:
            self.add_error("end", _("The end date is before the start date."))
        elif limit is not None and (day_end(end_day) - day_start(start_day)) > timedelta(days=limit):
            self.add_error("end", _("This vendor can search at most %(days)s days at a time.") % {"days": limit})
        else:
            cleaned["start_at"], cleaned["end_at"] = day_start(start_day), day_end(end_day)
        return cleaned

    def to_query(self) -> HistoryQuery:
        data = self.cleaned_data
        return HistoryQuery(
            start=data["start_at"],
            end=data["end_at"],
            direction=Direction(data["direction"]) if data.get("direction") else None,
            type_code=data.get("type_code", ""),
            page=data["page"],
            page_size=data["page_size"],
        )


class ShopLedgerForm(ConnectionChoiceForm, HistoryFilterForm):
    member_id = forms.CharField(label=_("Member id"), required=False, max_length=64, strip=True)
    mobile = forms.CharField(label=_("Mobile"), required=False, max_length=11, strip=True)

    default_period = "7d"
    field_order = ["connection", "period", "start", "end", "type_code", "member_id", "mobile", "direction", "page"]

    def clean_mobile(self) -> str:
        value = self.cleaned_data["mobile"]
        if value and not _MOBILE.fullmatch(value):
            raise forms.ValidationError(_("A mobile number has 11 digits and starts with 1."))
        return value

    def clean_member_id(self) -> str:
        value = self.cleaned_data["member_id"]
        if value and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", value):
            raise forms.ValidationError(_("A member id holds letters, digits, _ and - only."))
        return value

    def to_query(self) -> LedgerQuery:
        history = asdict(super().to_query())
        return LedgerQuery(**history, member_id=self.cleaned_data["member_id"], mobile=self.cleaned_data["mobile"])


SORT_CHOICES = [
    (RankingField.TOTAL.value, _("Total")),
    (RankingField.AVAILABLE.value, _("Available")),
    (RankingField.FROZEN.value, _("Frozen")),
]
ORDER_CHOICES = [("desc", _("Highest first")), ("asc", _("Lowest first"))]


class RankingsForm(ConnectionChoiceForm):
    sort = forms.TypedChoiceField(
        label=_("Sort by"), choices=SORT_CHOICES, required=False, coerce=RankingField, empty_value=RankingField.TOTAL
    )
    order = forms.TypedChoiceField(label=_("Order"), choices=ORDER_CHOICES, required=False, empty_value="desc")
    start = date_field(_("First earned from"))
    end = date_field(_("First earned to"))
    ids = forms.CharField(
        label=_("Member ids"),
        required=False,
        max_length=MAX_RANKING_IDS * (MAX_ID_LENGTH + 2),
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("Optional: paste user ids, one per line")}),
    )

    field_order = ["connection", "sort", "order", "start", "end", "ids", "page_size", "page"]

    def clean_ids(self) -> tuple[str, ...] | None:
        # Duplicates dropped, the first kept.
        ids = list(dict.fromkeys(part for part in _ID_SEPARATORS.split(self.cleaned_data["ids"]) if part))
        if len(ids) > MAX_RANKING_IDS:
            raise forms.ValidationError(
                _("At most %(count)s member ids at a time.") % {"count": MAX_RANKING_IDS}, code="too_many"
            )
        if any(len(value) > MAX_ID_LENGTH for value in ids):
            raise forms.ValidationError(
                _("A member id has at most %(length)s characters.") % {"length": MAX_ID_LENGTH}, code="too_long"
            )
        return tuple(ids) or None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end date is before the start date."))
        return cleaned

    def to_query(self) -> RankingQuery:
        data = self.cleaned_data
        return RankingQuery(
            sort_field=data["sort"],
            descending=data["order"] != "asc",
            member_ids=data["ids"],
            first_earned_start=day_start(data["start"]) if data["start"] else None,
            first_earned_end=day_end(data["end"]) if data["end"] else None,
            page=data["page"],
            page_size=data["page_size"],
        )
