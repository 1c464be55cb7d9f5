"""`{% url %}`, with the URLs of views that take no arguments worked out once per process.

Loaded as a template builtin (settings.TEMPLATES), so every template's `{% url %}` is this one; its syntax and
output are Django's own. Every page draws five to nine argument-free URLs (the top bar, the language and
logout forms), and reverse() rebuilds each from the URLconf: about 2 % of a member page's CPU under load.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()

# (view name, current app, script prefix, URLconf) → the escaped URL. Bounded by the URLconf's named routes.
_urls: dict[tuple[object, ...], str] = {}


# (view name, script prefix, URLconf) → reverse(view name), for tags written in Python (topbar.py).
_reversed: dict[tuple[str, str, str], str] = {}


def reverse_once(view_name: str) -> str:
    """reverse(view_name) of a view that takes no arguments, worked out once per script prefix and URLconf."""
    key = (view_name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    url = _reversed.get(key)
    if url is None:
        url = _reversed[key] = reverse(view_name)  # NoReverseMatch propagates, and nothing is kept
    return url


class MemoizedURLNode(URLNode):
    def render(self, context: template.Context) -> str:
        if self.args or self.kwargs or self.asvar or not context.autoescape:
            return super().render(context)
        request = getattr(context, "request", None)
        current_app = getattr(request, "current_app", None)
        if current_app is None:
            current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
        key = (
            self.view_name.resolve(context),
            current_app,
            get_script_prefix(),
            get_urlconf() or settings.ROOT_URLCONF,
        )
        url = _urls.get(key)
        if url is None:
            url = _urls[key] = super().render(context)  # NoReverseMatch propagates, and nothing is kept
        return url


@register.tag
def url(parser: template.base.Parser, token: template.base.Token) -> MemoizedURLNode:
    node = django_url(parser, token)
    return MemoizedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
