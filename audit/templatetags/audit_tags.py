"""`{{ entry|describe }}`: an audit entry as a sentence in the reader's language (audit/describe.py)."""

from __future__ import annotations

from django import template

from audit.describe import describe_entry
from audit.models import AuditEntry

register = template.Library()


@register.filter
def describe(entry: AuditEntry) -> str:
    return describe_entry(entry)
