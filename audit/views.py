"""The audit log page (Admin): newest first, paged, filtered by user and action."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from audit.models import AuditAction, AuditEntry
from pointsadmin import roles
from pointsadmin.quick_forms import QuickCopyForm

AUDIT_PAGE_SIZE = 50


class AuditFilterForm(QuickCopyForm):
    user = forms.ModelChoiceField(
        label=_("User"), queryset=get_user_model().objects.order_by("username"), required=False, empty_label=_("All")
    )
    action = forms.ChoiceField(label=_("Action"), choices=[("", _("All")), *AuditAction.choices], required=False)
    page = forms.IntegerField(min_value=1, required=False)

    def clean_page(self) -> int:
        # Clamped rather than refused: an old bookmark past the end still shows something useful.
        return min(self.cleaned_data.get("page") or 1, 10**6)


@require_GET
@permission_required(roles.PERM_VIEW_AUDIT, raise_exception=True)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    entries = AuditEntry.objects.select_related("connection")
    # A filter that is not valid is named on the page and ignored; the valid ones still apply (cleaned_data
    # keeps every field that validated).
    form.is_valid()
    if user := form.cleaned_data.get("user"):
        entries = entries.filter(user=user)
    if action := form.cleaned_data.get("action"):
        entries = entries.filter(action=action)
    page_number = form.cleaned_data.get("page") or 1
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(page_number)
    template = "audit/audit_log.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#audit-table"
    response = render(request, template, {"form": form, "page": page, "nav_section": "audit"})
    response.headers["Vary"] = "HX-Request"
    return response
