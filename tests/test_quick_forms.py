"""QuickCopyForm copies each form's fields as Django's deepcopy would, only faster: same values, new containers."""

from __future__ import annotations

import copy

import pytest
from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from audit.views import AuditFilterForm
from ledger import forms as ledger_forms
from pointsadmin.quick_forms import QuickCopyForm, _QuickCopyFields, copied_field
from vendors.kingdee import KingdeeClient
from vendors.xinyue import XinyueClient

FIELDS = {
    "text": forms.CharField(label=_("Text"), max_length=5, widget=forms.TextInput(attrs={"class": "wide"})),
    "choice": forms.ChoiceField(choices=[("a", _("A")), ("b", "B")], widget=forms.Select(attrs={"id": "c"})),
    "grouped": forms.ChoiceField(choices=[("Group", [("x", "X"), ("y", "Y")]), ("z", "Z")]),
    "typed": forms.TypedChoiceField(choices=[("1", "one")], coerce=int),
    "day": forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")),
    "number": forms.IntegerField(min_value=1, max_value=9),
    "callable_choices": forms.ChoiceField(choices=lambda: [("late", "Late")]),
    # A field and a widget with __deepcopy__ methods of their own: copied by copy.deepcopy, as before.
    "split": forms.SplitDateTimeField(),
}

QuickForm = type("QuickForm", (QuickCopyForm,), dict(FIELDS))
PlainForm = type("PlainForm", (forms.Form,), {name: copy.deepcopy(field) for name, field in FIELDS.items()})


def _containers(field: forms.Field) -> list[object]:
    """What Django's __deepcopy__ gives each copy of its own."""
    containers = [field.widget, field.widget.attrs, field.error_messages, field.validators]
    if isinstance(field, forms.ChoiceField) and isinstance(field._choices, list):
        containers.append(field._choices)
        containers += [value for _key, value in field._choices if isinstance(value, list)]
    if isinstance(field.widget, forms.widgets.ChoiceWidget) and isinstance(field.widget._choices, list):
        containers.append(field.widget._choices)
    return containers


@pytest.mark.parametrize("name", FIELDS)
def test_a_copy_equals_djangos_deepcopy_with_containers_of_its_own(name: str) -> None:
    original = QuickForm.base_fields[name]
    quick = copied_field(original, {})
    django_copy = copy.deepcopy(original)

    assert type(quick) is type(django_copy)
    assert quick.__dict__.keys() == django_copy.__dict__.keys()
    assert quick.widget.__dict__.keys() == django_copy.widget.__dict__.keys()
    assert quick.widget.attrs == django_copy.widget.attrs
    assert quick.error_messages == django_copy.error_messages
    assert quick.validators == django_copy.validators
    if isinstance(original, forms.ChoiceField):
        assert list(quick.choices) == list(django_copy.choices)
        assert list(quick.widget.choices) == list(django_copy.widget.choices)
    for copied, shared in zip(_containers(quick), _containers(original), strict=True):
        assert copied is not shared


def _snapshot(fields: dict[str, forms.Field]) -> tuple[object, ...]:
    return (
        dict(fields["text"].widget.attrs),
        list(fields["choice"].choices),
        copy.deepcopy(fields["grouped"].choices),
        dict(fields["number"].error_messages),
        list(fields["day"].validators),
    )


def test_changing_one_forms_fields_changes_neither_the_class_nor_another_form() -> None:
    first, second = QuickForm(), QuickForm()
    before = _snapshot(second.fields), _snapshot(QuickForm.base_fields)

    first.fields["text"].widget.attrs["class"] = "changed"
    first.fields["choice"].choices = [("new", "New")]
    first.fields["grouped"].choices[0][1].append(("w", "W"))
    first.fields["number"].error_messages["required"] = "changed"
    first.fields["day"].validators.append(lambda value: None)

    assert _snapshot(first.fields) != before[0]
    assert (_snapshot(second.fields), _snapshot(QuickForm.base_fields)) == before


def test_the_same_html_and_the_same_errors_as_a_plain_form() -> None:
    data = {"text": "toolong", "choice": "b", "grouped": "y", "typed": "1", "day": "2026-02-30", "number": "12"}
    quick, plain = QuickForm(data), PlainForm(data)

    assert quick.as_div() == plain.as_div()
    assert quick.errors == plain.errors
    assert set(quick.errors) == {"text", "day", "number", "callable_choices", "split"}


@pytest.mark.parametrize(
    ("form_class", "query", "kwargs"),
    [
        (ledger_forms.HistoryFilterForm, "period=7d&page_size=50&type_code=x", {"profile": KingdeeClient.profile}),
        (ledger_forms.HistoryFilterForm, "start=2026-13-01", {"profile": XinyueClient.profile}),
        (ledger_forms.MemberSearchForm, "q=13800001111", {}),
        (AuditFilterForm, "action=nonsense", {}),
    ],
)
@pytest.mark.django_db
def test_the_ledger_forms_copy_quickly_and_render_as_with_djangos_deepcopy(
    form_class: type[forms.Form], query: str, kwargs: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(form_class.base_fields, _QuickCopyFields)
    quick = form_class(QueryDict(query), **kwargs)
    quick_html, quick_errors = quick.as_div(), quick.errors

    monkeypatch.setattr(form_class, "base_fields", dict(form_class.base_fields))  # a plain dict: deepcopy
    plain = form_class(QueryDict(query), **kwargs)
    assert quick_html == plain.as_div()
    assert quick_errors == plain.errors


def test_the_history_form_copies_the_query_once_and_leaves_the_request_query_alone() -> None:
    query = QueryDict("page_size=33")
    form = ledger_forms.HistoryFilterForm(query, profile=KingdeeClient.profile)

    assert form.data["period"] == "30d"
    assert form.data["page_size"] == "20"
    assert query.dict() == {"page_size": "33"}
    assert form.writable_data() is form.data
