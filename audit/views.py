"""The audit log page (Admin): newest first, paged, filtered by user and action."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from audit.models import AuditAction, AuditEntry
from pointsadmin import roles
from vendors.results import ResultPage

AUDIT_PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("User"), queryset=get_user_model().objects.order_by("username"), required=False, empty_label=_("All")
    )
    action = forms.ChoiceField(label=_("Action"), choices=[("", _("All")), *AuditAction.choices], required=False)
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

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
    # Django's paginator (a page past the end shows the last), told in the words the list pages share.
    found = Paginator(entries, AUDIT_PAGE_SIZE).get_page(form.cleaned_data.get("page") or 1)
    page = ResultPage(tuple(found), found.number, AUDIT_PAGE_SIZE, found.paginator.count)
    template = "audit/audit_log.html"
    htmx = request.htmx
    if htmx and not htmx.boosted and not htmx.history_restore_request:
        template += "#table"
    response = render(request, template, {"form": form, "page": page, "nav_section": "audit"})
    patch_vary_headers(response, ["HX-Request"])
    return response
