"""Vendor connection pages (Admins only): list, create, edit, enable/disable, delete, test."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from connections import services
from connections.fields import DecryptionFailed
from connections.forms import NAME_TAKEN_MESSAGE, TOGGLE_MESSAGE, ToggleForm, connection_form_class
from connections.models import VendorConnection
from pointsadmin import roles
from vendors.registry import vendor_choices, vendor_profile
from vendors.tokens import token_retry_after

NAV = {"nav_section": "connections"}

logger = logging.getLogger(__name__)
admins_only = permission_required(roles.PERM_MANAGE_CONNECTIONS, raise_exception=True)


def _next_url(request: HttpRequest) -> str:
    """Where a POST goes back to: the page it came from if that is ours, else the list."""
    candidate = request.POST.get("next", "")
    ours = url_has_allowed_host_and_scheme(candidate, {request.get_host()}, require_https=request.is_secure())
    return candidate if ours else reverse("connections:list")


def _undecryptable(request: HttpRequest, pk: int) -> HttpResponse:
    """A connection no configured key opens: said plainly (and logged), never shown as ciphertext."""
    logger.error("connection %s: credentials cannot be decrypted with FIELD_ENCRYPTION_KEYS", pk)
    message = _(
        "The stored credentials of this vendor account cannot be decrypted with the configured encryption keys. "
        "An operator must restore the missing key to FIELD_ENCRYPTION_KEYS, or delete and re-create the account."
    )
    if request.htmx:
        return render(request, "connections/_test_error.html", {"pk": pk, "message": message})
    context = {"message": message, "pk": pk, **NAV}
    return render(request, "connections/connection_unreadable.html", context, status=500)


def _tested_after_saving(request: HttpRequest, connection: VendorConnection) -> HttpResponse:
    """Saving tests the values just saved; one the vendor refused stays saved (an admin may be half-way through
    setting it up) and the admin is taken back to its form."""
    name = connection.name
    if not connection.enabled:
        messages.info(request, _("“%(name)s” is saved. It is disabled, so it was not tested.") % {"name": name})
        return redirect("connections:list")
    if services.connection_test(connection=connection, user=request.user):
        messages.success(
            request,
            _("“%(name)s” is saved and the vendor accepted it: %(message)s")
            % {"name": name, "message": connection.last_test_message},
        )
        return redirect("connections:list")
    messages.error(
        request,
        _(
            "“%(name)s” is saved, but the vendor did not accept it. Until a test passes, support staff cannot see "
            "this vendor's data. Reason: %(message)s"
        )
        % {"name": name, "message": connection.last_test_message},
    )
    return redirect("connections:edit", connection.pk)


def _form_page(request: HttpRequest, vendor: str, connection: VendorConnection | None) -> HttpResponse:
    """Saves a valid form (a new connection when `connection` is None), else shows it with its errors."""
    try:
        form_class = connection_form_class(vendor)
    except LookupError:
        raise Http404("unknown vendor") from None
    form = form_class(request.POST if request.method == "POST" else None, instance=connection)
    if form.is_valid():
        data = form.connection_input()
        try:
            if connection is None:
                connection = services.connection_create(vendor=form.vendor, data=data, user=request.user)
            elif not services.connection_update(connection=connection, data=data, user=request.user):
                messages.info(request, _("Nothing changed."))
                return redirect("connections:list")
        except services.ConnectionNameTaken:
            form.add_error("name", NAME_TAKEN_MESSAGE)
        else:
            return _tested_after_saving(request, VendorConnection.objects.get(pk=connection.pk))
    context = {"form": form, "vendor_label": vendor_profile(form.vendor).display_name, "connection": connection}
    if connection is not None:
        context["token_retry_at"] = token_retry_after(connection.to_config())
    return render(request, "connections/connection_form.html", {**context, **NAV})


@admins_only
@require_GET
def connection_list(request: HttpRequest) -> HttpResponse:
    # The list never needs the credentials: not decrypting them keeps it fast and secret-free.
    connections = VendorConnection.objects.defer("credentials")
    context = {"connections": connections, "health": services.connection_health(), "vendors": vendor_choices()}
    return render(request, "connections/connection_list.html", {**context, **NAV})


@admins_only
@require_http_methods(["GET", "POST"])
def connection_create(request: HttpRequest, vendor: str) -> HttpResponse:
    return _form_page(request, vendor, None)


@admins_only
@require_http_methods(["GET", "POST"])
def connection_edit(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        connection = get_object_or_404(VendorConnection, pk=pk)
    except DecryptionFailed:
        return _undecryptable(request, pk)
    return _form_page(request, connection.vendor, connection)


@admins_only
@require_POST
def connection_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(VendorConnection.objects.defer("credentials"), pk=pk)
    form = ToggleForm(request.POST)
    if not form.is_valid():
        messages.error(request, TOGGLE_MESSAGE)
        return redirect(_next_url(request))
    enabled = form.cleaned_data["enabled"]
    services.connection_set_enabled(connection=connection, enabled=enabled, user=request.user)
    message = _("“%(name)s” is enabled.") if enabled else _("“%(name)s” is disabled: it will not be called.")
    messages.success(request, message % {"name": connection.name})
    return redirect(_next_url(request))


@admins_only
@require_http_methods(["GET", "POST"])
def connection_delete(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(VendorConnection.objects.defer("credentials"), pk=pk)
    if request.method == "POST":
        services.connection_delete(connection=connection, user=request.user)
        messages.success(request, _("Vendor account “%(name)s” deleted.") % {"name": connection.name})
        return redirect("connections:list")
    return render(request, "connections/connection_confirm_delete.html", {"connection": connection, **NAV})


@admins_only
@require_POST
@vary_on_headers("HX-Request")
def connection_test(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        connection = get_object_or_404(VendorConnection, pk=pk)
    except DecryptionFailed:
        return _undecryptable(request, pk)
    passed = services.connection_test(connection=connection, user=request.user)
    if request.htmx:
        # Always 200, also for a failed test: htmx 2 does not swap 4xx/5xx replies.
        context = {"connection": connection, "token_retry_at": token_retry_after(connection.to_config())}
        return render(request, "connections/_test_result.html", context)
    # Without JavaScript: back to the page the button was on, which shows the stored result too.
    summary = _("Test of “%(name)s”: %(message)s") % {"name": connection.name, "message": connection.last_test_message}
    messages.add_message(request, messages.SUCCESS if passed else messages.ERROR, summary)
    return redirect(_next_url(request))
