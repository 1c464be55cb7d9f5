"""The audit log page (Admin): newest first, paged, filtered by date range, user, action, target and connection."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from audit.forms import AuditFilterForm, selected_entries
from pointsadmin import roles
from vendors.results import ResultPage

__all__ = ["AuditFilterForm", "audit_log"]

AUDIT_PAGE_SIZE = 50


@require_GET
@permission_required(roles.PERM_VIEW_AUDIT, raise_exception=True)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    # A filter that is not valid is named on the page and ignored; the valid ones still apply (cleaned_data
    # keeps every field that validated).
    form.is_valid()
    entries = selected_entries(form)
    # Django's paginator (a page past the end shows the last), told in the words the list pages share.
    found = Paginator(entries, AUDIT_PAGE_SIZE).get_page(form.cleaned_data.get("page") or 1)
    page = ResultPage(tuple(found), found.number, AUDIT_PAGE_SIZE, found.paginator.count)
    template = "audit/audit_log.html"
    htmx = request.htmx
    if htmx and not htmx.boosted and not htmx.history_restore_request:
        template += "#table"
    context = {
        "form": form,
        "page": page,
        "nav_section": "audit",
        # The export button (a job of the exports app, which this app does not import): the filters on screen.
        "export_url": reverse("audit_log_export"),
    }
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
