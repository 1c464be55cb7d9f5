"""The ledger pages: member lookup, member page, rankings, shop ledger, mobile reveal (their exports: exports/).

The three list pages (member history, rankings, shop ledger) have one anatomy: a form validates every query
parameter, `form.to_query()` builds what the selector asks of the vendor, one selector of ledger/services/
answers, and the view renders the page, or only its `#table` partial for an htmx request. Vendor errors
render inside the page with status 200 (htmx 2 does not swap 4xx/5xx replies). An export takes the same form
and the same query as the page it exports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from audit.decorators import shows_member_data
from audit.models import AuditAction
from audit.records import audit_record, mask_mobile
from connections.clients import connection_profile, connections_with
from connections.models import VendorConnection
from ledger import forms
from ledger.charts import period_chart
from ledger.services import listings, members
from pointsadmin import roles
from vendors.calls import call_vendor
from vendors.results import Capability, HistoryQuery, LookupKind, Outcome


def wants_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    # A boosted request (the top-bar search) and a history restore want the whole page.
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_varied(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """`template` rendered with Vary: HX-Request (an htmx request gets a different reply at the same URL)."""
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def render_list(request: HttpRequest, template: str, context: dict[str, Any], partial: str = "table") -> HttpResponse:
    """The full page, or only `partial` for an htmx request (not for a history restore)."""
    return render_varied(request, f"{template}#{partial}" if wants_partial(request) else template, context)


def form_errors(form: Any) -> list[str]:
    return [str(error) for errors in form.errors.values() for error in errors] if form is not None else []


def table_errors(form: Any, outcome: Outcome[Any] | None) -> list[str]:
    """What a list page shows instead of its table: why its filters were refused, else why the vendor failed."""
    if errors := form_errors(form):
        return errors
    return [outcome.error.user_message()] if outcome is not None and outcome.error is not None else []


# --- member lookup -----------------------------------------------------------------------------------------
@shows_member_data
@require_GET
@permission_required(roles.PERM_LOOKUP_MEMBER, raise_exception=True)
def member_search(request: HttpRequest) -> HttpResponse:
    """The lookup page. Whatever brings a reader here (the search box, a link, a reload, Back) it answers at
    once with a placeholder per vendor that loads its own panel (hx-trigger="load"), so that one slow vendor
    delays nobody; only `?all=1`, the <noscript> link, asks every vendor before answering."""
    form = forms.MemberSearchForm(request.GET)
    identifier = ""
    connections: list[Any] = []
    panels: list[members.MemberPanel] = []
    not_asked: list[members.NotAsked] = []
    all_at_once = form.is_valid() and form.cleaned_data["all"]
    if form.is_valid() and form.cleaned_data["q"]:
        identifier = form.cleaned_data["q"]
        plan = members.plan_lookup(identifier=identifier, connection_id=form.cleaned_data.get("connection"))
        connections, not_asked = plan.connections, plan.not_asked
        audit_record(
            user=request.user,
            action=AuditAction.MEMBER_LOOKUP,
            target=identifier,
            details={"connections": [connection.pk for connection in connections]},
        )
        if all_at_once:
            panels = members.member_panels(vendor_members=plan.vendor_members)
    context = {
        "form": form,
        "identifier": identifier,
        "connections": connections,
        "found_panels": [panel for panel in panels if panel.state == "found"],
        "error_panels": [panel for panel in panels if panel.state == "error"],
        "missing_panels": [panel for panel in panels if panel.state == "missing"],
        "not_asked": not_asked,
        "lazy": not all_at_once,
        "recent_lookups": members.recent_lookups(user=request.user) if not identifier else [],
        "searches_by": members.searches_by_vendor(),
        # The search box shows what was typed, even a mobile: the user typed it.
        "search_query": request.GET.get("q", "")[:100],
        "nav_section": "members",
        # The page has its own search box: the top bar leaves its out.
        "hide_topbar_search": True,
    }
    return render_list(request, "ledger/member_search.html", context, partial="lookup-results")


@shows_member_data
@require_GET
@permission_required(roles.PERM_LOOKUP_MEMBER, raise_exception=True)
def member_panel(request: HttpRequest, connection_id: int) -> HttpResponse:
    """One vendor's panel. For htmx, a panel that found the member is appended to the hits and one that did not
    adds its name to the quiet "not found" line (out-of-band swaps, so hits come first in the order they
    answer); an error replaces the placeholder where it stands, with its Retry."""
    form = forms.MemberSearchForm(request.GET)
    if not form.is_valid() or not form.cleaned_data["q"]:
        panel_error = gettext("Type an identifier of at most 100 characters.")
        return render(request, "ledger/_member_panel_error.html", {"message": panel_error})
    identifier = form.cleaned_data["q"]
    vendor_member = members.vendor_member_at(connection_id=connection_id, identifier=identifier)
    if vendor_member is None:
        panel_error = gettext("This connection cannot look that identifier up, or it is disabled.")
        return render(request, "ledger/_member_panel_error.html", {"message": panel_error})
    panel = members.member_panel(vendor_member=vendor_member)
    # One row per panel shown. The lookup page's own row records the search and the connections it asked;
    # with JavaScript its panels load here, so each writes its own row for what it showed (without
    # JavaScript the page renders the panels itself and its one row covers them: nothing is counted twice).
    audit_record(
        user=request.user,
        action=AuditAction.MEMBER_PANEL_VIEW,
        target=identifier,
        connection=vendor_member.connection,
        details={"found": panel.found, "failed": panel.error is not None},
    )
    context = {"panel": panel, "placed": bool(request.htmx) and panel.state != "error"}
    return render_varied(request, "ledger/_member_panel.html", context)


# --- the member page -----------------------------------------------------------------------------------------
def _vendor_member(connection_id: int, member_id: str) -> members.VendorMember:
    vendor_member = members.vendor_member_at(connection_id=connection_id, identifier=member_id)
    if vendor_member is None:
        raise Http404(gettext("This vendor cannot look that member up."))
    return vendor_member


def _period_summary(
    vendor_member: members.VendorMember, query: HistoryQuery, period: members.PeriodRows
) -> dict[str, Any]:
    """What the chart-and-totals part of the member page shows for the rows read of a period."""
    chart = period_chart(
        period.rows,
        has_balance_after=vendor_member.profile.history_has_balance_after,
        start=query.start,
        end=query.end,
    )
    return {
        "chart": chart,
        "complete": period.complete,
        "rows_read": len(period.rows),
        "totals": listings.period_totals(period.rows) if period.complete else None,
    }


@shows_member_data
@require_GET
@permission_required(roles.PERM_LOOKUP_MEMBER, raise_exception=True)
def member_detail(request: HttpRequest, connection_id: int, member_id: str) -> HttpResponse:
    vendor_member = _vendor_member(connection_id, member_id)
    connection, member, profile = vendor_member.connection, vendor_member.member, vendor_member.profile
    form = forms.HistoryFilterForm(request.GET, profile=profile)
    query = form.to_query() if form.is_valid() else None
    page = members.member_page(vendor_member=vendor_member, query=query)
    balance = page.balance.value if page.balance.ok else None
    history = page.history.value if page.history is not None and page.history.ok else None
    audit_record(
        user=request.user,
        action=AuditAction.MEMBER_VIEW,
        target=member.value,
        connection=connection,
        # With filters that are not valid no history is asked for: there is no page to record.
        details={"page": query.page} if query else {},
    )
    member_id_display = mask_mobile(member.value) if member.kind == LookupKind.MOBILE else member.value
    if members.member_unknown(page):
        context = {"connection": connection, "member_id_display": member_id_display, "nav_section": "members"}
        return render(request, "ledger/member_not_found.html", context, status=404)
    # A period that fits in the page just read is summed and drawn from it; otherwise the chart and totals load
    # on their own (htmx), so that their vendor calls never hold up the page.
    # The points types seen in this member's records are offered as choices; any other number may still be typed.
    type_options = {item.type_code: item.type_name for item in history.items if item.type_code} if history else {}
    if type_options and "type_code" in form.fields:
        form.fields["type_code"].widget.attrs["list"] = "member-types"
    summary = None
    if history is not None and query is not None and listings.holds_whole_period(history):
        summary = _period_summary(vendor_member, query, members.PeriodRows(history.items, complete=True))
    context = {
        "connection": connection,
        "vendor_name": profile.display_name,
        "member": member,
        "member_id": member.value,
        "member_id_display": member_id_display,
        "form": form,
        "type_options": sorted(type_options.items()),
        "errors": table_errors(form, page.history),
        "balance_outcome": page.balance,
        "balance": balance,
        "history": history,
        "summary": summary,
        "whole_months": profile.history_whole_months,
        "has_balance_after": profile.history_has_balance_after,
        "nav_section": "members",
    }
    return render_list(request, "ledger/member_detail.html", context)


@shows_member_data
@require_GET
@permission_required(roles.PERM_LOOKUP_MEMBER, raise_exception=True)
def member_period_summary(request: HttpRequest, connection_id: int, member_id: str) -> HttpResponse:
    """The member page's chart and totals of the period its filters choose (an htmx partial)."""
    vendor_member = _vendor_member(connection_id, member_id)
    form = forms.HistoryFilterForm(request.GET, profile=vendor_member.profile)
    context: dict[str, Any] = {"errors": form_errors(form)}
    if form.is_valid():
        query = form.to_query()
        outcome = call_vendor(lambda: members.period_rows(vendor_member=vendor_member, query=query))
        audit_record(
            user=request.user,
            action=AuditAction.MEMBER_VIEW,
            target=vendor_member.member.value,
            connection=vendor_member.connection,
            details={"chart": True, "rows": len(outcome.value.rows) if outcome.ok else 0},
        )
        if outcome.error is not None:
            context["errors"] = [outcome.error.user_message()]
        else:
            context |= _period_summary(vendor_member, query, outcome.value)
    return render_varied(request, "ledger/_period_summary.html#summary", context)


# --- revealing a mobile ------------------------------------------------------------------------------------------
@shows_member_data
@require_POST
@permission_required(roles.PERM_REVEAL_MOBILE, raise_exception=True)
def reveal_mobile(request: HttpRequest) -> HttpResponse:
    form = forms.RevealMobileForm(request.POST)
    context: dict[str, Any] = {"mobile": "", "error": ""}
    vendor_member = None
    if form.is_valid():
        data = form.cleaned_data
        vendor_member = members.vendor_member_at(connection_id=data["connection_id"], identifier=data["member_id"])
    if vendor_member is None:
        context["error"] = gettext("This member cannot be looked up.")
        return render(request, "ledger/_revealed_mobile.html", context)
    outcome: Outcome[str] = call_vendor(lambda: members.member_mobile(vendor_member=vendor_member))
    if outcome.error is not None:
        context["error"] = outcome.error.user_message()
    elif not outcome.value:
        context["error"] = gettext("The vendor has no mobile number for this member.")
    else:
        context["mobile"] = outcome.value
        audit_record(
            user=request.user,
            action=AuditAction.MOBILE_REVEALED,
            target=vendor_member.member.value,
            connection=vendor_member.connection,
            details={"mobile": mask_mobile(outcome.value)},
        )
    return render(request, "ledger/_revealed_mobile.html", context)


# --- rankings and shop ledger ---------------------------------------------------------------------------------------
def _list_connections(request: HttpRequest, capability: Capability) -> tuple[list[tuple[int, str]], Any]:
    """The enabled connections offering `capability` as form choices, and the one ?connection= names (the first
    when it names none; an id that is not one of them is the form's to refuse)."""
    connections = connections_with(capability)
    wanted = request.GET.get("connection", "")
    chosen = next((c for c in connections if str(c.pk) == wanted), connections[0] if connections else None)
    return [(connection.pk, connection.name) for connection in connections], chosen


def _list_context(
    request: HttpRequest,
    form: Any,
    connection: VendorConnection | None,
    selector: Callable[..., Any],
    audit: Callable[[Any], dict[str, Any]],
) -> dict[str, Any]:
    """What every list page shows: for a valid form, the selector's page of its query (audited with what
    `audit` says of the query), or why there is none."""
    result = None
    if connection is not None and form.is_valid():
        query = form.to_query()
        result = call_vendor(lambda: selector(connection=connection, query=query))
        audit_record(user=request.user, connection=connection, **audit(query))
    page = result.value if result is not None and result.ok else None
    return {"form": form, "errors": table_errors(form, result), "connection": connection, "page": page}


@shows_member_data
@require_GET
@permission_required(roles.PERM_VIEW_RANKINGS, raise_exception=True)
def rankings(request: HttpRequest) -> HttpResponse:
    choices, connection = _list_connections(request, Capability.BALANCE_RANKING)
    form = forms.RankingsForm(request.GET, connection_choices=choices)
    if connection is not None:
        form.setup_paging(connection_profile(connection).max_page_size)
    context = _list_context(
        request,
        form,
        connection,
        listings.ranking_page,
        lambda query: {
            "action": AuditAction.RANKINGS_VIEW,
            "details": {"sort": query.sort_field.value, "descending": query.descending, "page": query.page},
        },
    )
    page = context["page"]
    context |= {
        "first_rank": ((page.page - 1) * page.page_size + 1) if page is not None else 1,
        # A column no row fills (Xiaoe sends no names) is left out rather than shown as a column of dashes.
        "show_names": page is not None and any(balance.name for balance in page.items),
        "nav_section": "rankings",
    }
    return render_list(request, "ledger/rankings.html", context)


@shows_member_data
@require_GET
@permission_required(roles.PERM_VIEW_SHOP_LEDGER, raise_exception=True)
def shop_ledger(request: HttpRequest) -> HttpResponse:
    choices, connection = _list_connections(request, Capability.SHOP_LEDGER)
    form = None
    if connection is not None:
        form = forms.ShopLedgerForm(request.GET, profile=connection_profile(connection), connection_choices=choices)
    context = _list_context(
        request,
        form,
        connection,
        listings.ledger_page,
        lambda query: {
            "action": AuditAction.SHOP_LEDGER_VIEW,
            "target": query.member_id or query.mobile,
            "details": {"page": query.page},
        },
    )
    page = context["page"]
    context |= {
        # A column no row fills is left out rather than shown as a column of dashes.
        "show_mobiles": page is not None and any(item.mobile for item in page.items),
        "totals": listings.page_totals(page),
        "nav_section": "ledger",
    }
    return render_list(request, "ledger/shop_ledger.html", context)
