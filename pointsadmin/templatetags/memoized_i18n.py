"""Django's `i18n` tag library, with `{% translate "literal" %}` worked out once per language per process.

The project's templates `{% load memoized_i18n %}` instead of `{% load i18n %}`: every tag and filter is
Django's, and the output is the same. (A library cannot take over the name `i18n` without a system check
warning, and a builtin `translate` would be replaced by Django's at `{% load i18n %}`.) A page holds twenty to
forty `{% translate %}`s of fixed text, and each one looked its message up in the catalogue afresh (the active
language comes from a context-local, the message through two layers of lazy objects): about 4 % of a member
page's CPU, measured with callgrind.

Only a literal message without filters or a message context is kept; `{% translate some_variable %}` and
`{% blocktranslate %}` are rendered as Django renders them.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.core.signals import setting_changed
from django.template.base import Variable
from django.templatetags import i18n as django_i18n
from django.utils.translation import get_language

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)

# (message, noop, language, autoescape) → the rendered text. Bounded by the templates' literal messages.
_rendered: dict[tuple[str, bool, str | None, bool], str] = {}


class MemoizedTranslateNode(django_i18n.TranslateNode):
    def render(self, context: template.Context) -> str:
        message = self.filter_expression.var
        if (
            self.message_context is not None
            or self.filter_expression.filters
            or not isinstance(message, Variable)
            or message.literal is None
        ):
            return super().render(context)
        key = (message.literal, self.noop, get_language(), context.autoescape)
        value = _rendered.get(key)
        if value is None:
            output = super().render(context)
            value = _rendered[key] = context[self.asvar] if self.asvar else output
            return output
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value


@register.tag("translate")
@register.tag("trans")
def translate(parser: template.base.Parser, token: template.base.Token) -> template.Node:
    node = django_i18n.do_translate(parser, token)
    return MemoizedTranslateNode(node.filter_expression, node.noop, node.asvar, node.message_context)


def _forget_on_language_settings(*, setting: str, **kwargs: Any) -> None:
    # Django reloads its catalogues when these change (tests' override_settings); so must we.
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS"}:
        _rendered.clear()


setting_changed.connect(_forget_on_language_settings, dispatch_uid="memoized-i18n-settings")
