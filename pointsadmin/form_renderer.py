"""Django's form renderer, with the plain <input> and <select> widgets written in Python.

Every filter form of the ledger pages renders six or so widgets per page, and Django renders each through
its template engine (a <select> includes one template per option): about a millisecond a select, a tenth of
a member page. The HTML here is the same, byte for byte, as Django's templates give (tests/test_form_renderer.py
compares the two); any other widget, or a project override of these templates, goes to the template engine.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import django.forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import SafeData, SafeString, mark_safe

_DJANGO_WIDGETS = Path(django.forms.__file__).parent / "templates" / "django" / "forms" / "widgets"
_INPUT_TYPES = ("text", "search", "date", "hidden", "number", "email", "url", "tel", "password")


def _text(value: Any) -> str:
    """`{{ value|stringformat:'s' }}` under autoescape: escaped unless already safe."""
    text = str(value)
    return text if isinstance(value, SafeData) else html.escape(text, quote=True)


def _attrs(attrs: Mapping[str, Any]) -> str:
    """django/forms/widgets/attrs.html: True renders the bare name, False nothing."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {name}" if value is True else f' {name}="{_text(value)}"')
    return "".join(parts)


def _input(widget: Mapping[str, Any]) -> str:
    value = "" if widget["value"] is None else f' value="{_text(widget["value"])}"'
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def _select(widget: Mapping[str, Any]) -> str:
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            value, attrs, label = _text(option["value"]), _attrs(option["attrs"]), _text(option["label"])
            parts.append(f'\n  <option value="{value}"{attrs}>{label}</option>\n')
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


_WRITERS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    **{f"django/forms/widgets/{kind}.html": _input for kind in _INPUT_TYPES},
    "django/forms/widgets/select.html": _select,
}


class FastWidgetRenderer(DjangoTemplates):
    def __init__(self) -> None:
        super().__init__()
        self._stock: dict[str, bool] = {}

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> SafeString:
        writer = _WRITERS.get(template_name)
        widget = context.get("widget")
        if writer is None or not isinstance(widget, Mapping) or not self._is_stock(template_name, widget):
            return super().render(template_name, context, request=request)
        return mark_safe(writer(widget).strip())  # noqa: S308  # nosec B308 B703 # every value is _text()-escaped

    def _is_stock(self, template_name: str, widget: Mapping[str, Any]) -> bool:
        """Whether Django's own template would draw this widget (not an app's override, nor an option drawn
        with a template of its own)."""
        names = [template_name, "django/forms/widgets/attrs.html"]
        if template_name.endswith("select.html"):
            names += {
                option.get("template_name", "") for _name, options, _i in widget["optgroups"] for option in options
            }
        else:
            names.append("django/forms/widgets/input.html")
        return all(self._from_django(name) for name in names)

    def _from_django(self, template_name: str) -> bool:
        if template_name not in self._stock:
            origin = str(self.get_template(template_name).origin.name)
            self._stock[template_name] = origin.startswith(str(_DJANGO_WIDGETS))
        return self._stock[template_name]
