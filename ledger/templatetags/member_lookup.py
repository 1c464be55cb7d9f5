"""{% member_search_hint %}: what the search box finds members by at the registered vendors, in words."""

from __future__ import annotations

from django import template

from ledger.services.members import lookup_hint

register = template.Library()


@register.simple_tag
def member_search_hint() -> str:
    return lookup_hint()
