"""A Form whose fields are copied per instance without copy.deepcopy's generic machinery.

Every Django form copies its class's fields when it is made (BaseForm.__init__: `copy.deepcopy(base_fields)`),
so that a view may change one form's choices or attributes without touching the class. deepcopy walks each
field, widget, attribute dict and choice tuple through copy's dispatch and memo, and a widget's choices are
normalised again on the way: about a quarter of the CPU of making and rendering a ledger filter form, on every
page. QuickCopyForm makes exactly the copies Django's own __deepcopy__ methods make (Field, ChoiceField, Widget,
ChoiceWidget), with plain attribute copies; any other field or widget class, and choices that are not a plain
list, still go through copy.deepcopy. tests/test_quick_forms.py checks the two against each other.
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.forms.forms import DeclarativeFieldsMetaclass

_FIELD_DEEPCOPY = forms.Field.__deepcopy__
_CHOICE_FIELD_DEEPCOPY = forms.ChoiceField.__deepcopy__
_WIDGET_DEEPCOPY = forms.Widget.__deepcopy__
_CHOICE_WIDGET_DEEPCOPY = forms.widgets.ChoiceWidget.__deepcopy__

_plain_classes: dict[type, bool] = {}


def _is_plain(cls: type) -> bool:
    """Whether copy.copy of an instance is "a new instance with the same __dict__": no copy hooks of its own."""
    if cls not in _plain_classes:
        _plain_classes[cls] = (
            not hasattr(cls, "__copy__")
            and not hasattr(cls, "__setstate__")
            and not hasattr(cls, "__slots__")
            and cls.__reduce_ex__ is object.__reduce_ex__
            and cls.__reduce__ is object.__reduce__
            and cls.__getstate__ is object.__getstate__
            and cls.__new__ is object.__new__
        )
    return _plain_classes[cls]


def _shallow(obj: Any) -> Any:
    """copy.copy(obj) for a plain class (see _is_plain)."""
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    return new


def _copied_choices(choices: Any, memo: dict[int, Any]) -> Any:
    """copy.deepcopy of normalised choices: a new list (and new group lists) holding the same immutable tuples."""
    if type(choices) is not list:
        return copy.deepcopy(choices, memo)
    copied = []
    for choice in choices:
        if type(choice) is tuple and len(choice) == 2 and type(choice[1]) is list:
            copied.append((choice[0], _copied_choices(choice[1], memo)))
        else:
            copied.append(choice)
    return copied


def _copied_widget(widget: forms.Widget, memo: dict[int, Any]) -> forms.Widget:
    deepcopy = type(widget).__deepcopy__
    if deepcopy not in (_WIDGET_DEEPCOPY, _CHOICE_WIDGET_DEEPCOPY) or not _is_plain(type(widget)):
        return copy.deepcopy(widget, memo)
    new = _shallow(widget)
    new.attrs = widget.attrs.copy()
    if deepcopy is _CHOICE_WIDGET_DEEPCOPY:
        if type(widget._choices) is list:  # normalised when assigned: Django's setter would redo that
            new._choices = _copied_choices(widget._choices, memo)
        else:
            new.choices = copy.copy(widget._choices)
    memo[id(widget)] = new
    return new


def copied_field(field: forms.Field, memo: dict[int, Any]) -> forms.Field:
    """What copy.deepcopy(field, memo) gives."""
    deepcopy = type(field).__deepcopy__
    if deepcopy not in (_FIELD_DEEPCOPY, _CHOICE_FIELD_DEEPCOPY) or not _is_plain(type(field)):
        return copy.deepcopy(field, memo)
    new = _shallow(field)
    memo[id(field)] = new
    new.widget = memo.get(id(field.widget)) or _copied_widget(field.widget, memo)
    new.error_messages = field.error_messages.copy()
    new.validators = field.validators[:]
    if deepcopy is _CHOICE_FIELD_DEEPCOPY:
        new._choices = _copied_choices(field._choices, memo)
    return new


class _QuickCopyFields(dict):
    """A form class's base_fields; copy.deepcopy of it (BaseForm.__init__) copies each field with copied_field."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return {name: copied_field(field, memo) for name, field in self.items()}


class QuickCopyFormMetaclass(DeclarativeFieldsMetaclass):
    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> Any:
        new_class = super().__new__(mcs, name, bases, attrs)
        new_class.base_fields = _QuickCopyFields(new_class.base_fields)
        return new_class


class QuickCopyForm(forms.Form, metaclass=QuickCopyFormMetaclass):
    """forms.Form, with its fields copied per instance by copied_field instead of copy.deepcopy."""
