"""The parts of the top bar drawn on every page: the main navigation and the language switch.

Written in Python rather than as template markup: as {% if %}s, {% url %}s and a {% for %} over the languages,
with a comparison per link and per language, the top bar took about a twelfth of a member page's instructions.
The HTML is what the template wrote; tests/test_topbar.py checks it.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from pointsadmin.templatetags.memoized_url import reverse_once

register = template.Library()

# (what `can` must allow, URL name, nav_section that marks it active, label), in the order shown.
MAIN_NAV = (
    ("lookup", "ledger:member_search", "members", _("Members")),
    ("rankings", "ledger:rankings", "rankings", _("Rankings")),
    ("shop_ledger", "ledger:shop_ledger", "ledger", _("Shop ledger")),
    ("manage_connections", "connections:list", "connections", _("Connections")),
    ("view_audit", "audit_log", "audit", _("Audit log")),
    ("manage_users", "accounts:user_list", "users", _("Users & roles")),
)
# Each language's own name for itself, so that a reader of the other language still finds theirs.
LANGUAGE_NAMES = {"zh-hans": "中文"}


@register.simple_tag(takes_context=True)
def main_nav(context: template.Context) -> SafeString:
    """One link per page the user's role may open (`can`, from the navigation context processor); the link of
    the current section (`nav_section`) is marked active."""
    can, section = context.get("can") or {}, context.get("nav_section")
    links = [
        f'<a href="{conditional_escape(reverse_once(url_name))}" class="{"active" if section == own else ""}">'
        f"{conditional_escape(label)}</a>"
        for permission, url_name, own, label in MAIN_NAV
        if can.get(permission)
    ]
    return mark_safe("\n    ".join(links))  # noqa: S308  # nosec B308 B703 # URLs and labels escaped


@register.simple_tag(takes_context=True)
def language_switch(context: template.Context) -> SafeString:
    """The language form: a button per language, the current one marked, posting to set_language with the page
    to come back to."""
    request = context.get("request")
    current = translation.get_language()
    token = context.get("csrf_token")
    parts = [f'<form class="lang-switch" action="{conditional_escape(reverse_once("set_language"))}" method="post">']
    # "NOTPROVIDED" is Django's placeholder when there is no token (as {% csrf_token %}), not a secret.
    if token and token != "NOTPROVIDED":  # noqa: S105  # nosec B105
        parts.append(f'<input type="hidden" name="csrfmiddlewaretoken" value="{conditional_escape(token)}">')
    if request is not None:
        parts.append(f'<input type="hidden" name="next" value="{conditional_escape(request.get_full_path())}">')
    for code, _name in settings.LANGUAGES:
        mark = ' current" aria-current="true' if code == current else ""
        label = LANGUAGE_NAMES.get(code, "English")
        parts.append(
            f'<button type="submit" name="language" value="{conditional_escape(code)}" class="link-button{mark}">'
            f"{conditional_escape(label)}</button>"
        )
    parts.append("</form>")
    return mark_safe("\n".join(parts))  # noqa: S308  # nosec B308 B703 # every value escaped
