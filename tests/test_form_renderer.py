"""The project's form renderer draws plain inputs and selects in Python: the HTML must be Django's, byte for byte,
for every widget of every form the pages show, and odd values must stay escaped."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from ledger import forms as ledger_forms
from pointsadmin.form_renderer import FastWidgetRenderer
from vendors.registry import vendor_profile

NASTY = '"><script>alert(1)</script>&amp;'


class Everything(forms.Form):
    text = forms.CharField(max_length=10, widget=forms.TextInput(attrs={"placeholder": NASTY, "autofocus": True}))
    search = forms.CharField(required=False, widget=forms.TextInput(attrs={"type": "search", "disabled": False}))
    number = forms.IntegerField(min_value=1)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    hidden = forms.CharField(widget=forms.HiddenInput)
    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))
    choice = forms.ChoiceField(choices=[("1", "One"), (NASTY, NASTY), ("3", mark_safe("<b>safe</b>"))])
    grouped = forms.ChoiceField(choices=[("Fruit", [("a", "Apple"), ("b", "<Banana>")]), ("c", "Cherry")])
    many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y")])


def _pairs(form: forms.Form):
    for field in form:
        yield field.name, field.as_widget()


def _render_both(form_factory):
    fast = dict(_pairs(form_factory(FastWidgetRenderer())))
    stock = dict(_pairs(form_factory(DjangoTemplates())))
    return fast, stock


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"text": NASTY, "number": "x", "date": "2025-02-30", "hidden": NASTY, "choice": NASTY, "grouped": "b"},
        {"password": NASTY, "many": ["x", "y"], "email": NASTY},
    ],
)
def test_every_plain_widget_is_djangos_html(data):
    fast, stock = _render_both(lambda renderer: Everything(data, renderer=renderer))
    assert fast == stock
    assert "<script>" not in "".join(fast.values())


@pytest.mark.parametrize("vendor", ["xinyue", "xiaoe", "kingdee"])
def test_the_member_filter_form_is_djangos_html(vendor):
    def form(renderer):
        data = {"period": "custom", "start": NASTY, "page_size": "50", "type_code": NASTY}
        return ledger_forms.HistoryFilterForm(data, profile=vendor_profile(vendor), renderer=renderer)

    fast, stock = _render_both(form)
    assert fast == stock
    assert 'value="50" selected' in fast["page_size"]


def test_plain_widgets_skip_the_template_engine(monkeypatch):
    engine_renders = []
    original = DjangoTemplates.render
    monkeypatch.setattr(
        DjangoTemplates,
        "render",
        lambda self, name, *a, **k: engine_renders.append(name) or original(self, name, *a, **k),
    )
    form = ledger_forms.HistoryFilterForm({}, profile=vendor_profile("kingdee"), renderer=FastWidgetRenderer())
    html = "".join(field.as_widget() for field in form)
    assert 'name="period"' in html
    assert engine_renders == []
