"""The users and roles page (users with the manage-users permission: the Admin role).

Thin views: a form validates, a service in accounts/services.py changes and audits, a template shows.
A set-password link is shown once, in the reply to the POST that made it, and never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.views import PasswordResetConfirmView
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.decorators import method_decorator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import forms, selectors, services
from pointsadmin import roles

USERS_PAGE_SIZE = 50
NAV = {"nav_section": "users"}

manage_users_required = permission_required(roles.PERM_MANAGE_USERS, raise_exception=True)


@dataclass(frozen=True)
class UserRow:
    user: User
    role_labels: list[str]
    locked: bool
    locked_until: datetime | None


def _rows(users: list[User], locks: dict[str, datetime | None]) -> list[UserRow]:
    return [
        UserRow(
            user=user,
            role_labels=[roles.role_label(name) for name in selectors.user_role_names(user)],
            locked=user.get_username() in locks,
            locked_until=locks.get(user.get_username()),
        )
        for user in users
    ]


@require_GET
@manage_users_required
def user_list(request: HttpRequest) -> HttpResponse:
    form = forms.UserFilterForm(request.GET)
    # A filter that is not valid is named on the page and ignored; the valid ones still apply.
    form.is_valid()
    status = form.cleaned_data.get("status")
    users = selectors.users_listing(
        search=form.cleaned_data.get("q") or "",
        role=form.cleaned_data.get("role") or "",
        active={forms.ACTIVE: True, forms.INACTIVE: False}.get(status or ""),
    )
    if status == forms.LOCKED:
        users = users.filter(username__in=list(selectors.locked_out_until()))
    page = Paginator(users, USERS_PAGE_SIZE).get_page(form.cleaned_data.get("page") or 1)
    locks = selectors.locked_out_until(user.get_username() for user in page.object_list)
    context = {"form": form, "page": page, "rows": _rows(list(page.object_list), locks), **NAV}
    template = "accounts/user_list.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#users-table"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _password_link(request: HttpRequest, user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return request.build_absolute_uri(reverse("accounts:set_password", args=[uid, token]))


def _link_validity() -> str:
    seconds = settings.PASSWORD_RESET_TIMEOUT
    if seconds % 86400 == 0:
        days = seconds // 86400
        return ngettext(
            "The link works once, within %(count)d day.", "The link works once, within %(count)d days.", days
        ) % {"count": days}
    hours = max(1, seconds // 3600)
    return ngettext(
        "The link works once, within %(count)d hour.", "The link works once, within %(count)d hours.", hours
    ) % {"count": hours}


def _show_link_once(request: HttpRequest, user: User, *, created: bool) -> HttpResponse:
    context = {
        "subject": user,
        "link": _password_link(request, user),
        "validity": _link_validity(),
        "created": created,
        **NAV,
    }
    response = render(request, "accounts/password_link.html", context)
    # The link is as good as a password until it is used: no cache keeps it.
    add_never_cache_headers(response)
    response.headers["Cache-Control"] += ", no-store"
    return response


@require_http_methods(["GET", "POST"])
@manage_users_required
def user_create(request: HttpRequest) -> HttpResponse:
    form = forms.UserCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(
                actor=request.user,
                username=form.cleaned_data["username"],
                full_name=form.cleaned_data["full_name"],
                role=form.cleaned_data["role"],
            )
        except services.UsernameTaken:
            form.add_error("username", _("There is already a user with this username."))
        else:
            return _show_link_once(request, user, created=True)
    return render(request, "accounts/user_form.html", {"form": form, **NAV})


def _detail(request: HttpRequest, subject: User, role_form: forms.RoleForm | None = None) -> HttpResponse:
    locks = selectors.locked_out_until([subject.get_username()])
    role_names = selectors.user_role_names(subject)
    if role_form is None:
        current = role_names[0] if len(role_names) == 1 and role_names[0] in roles.ROLE_PERMISSIONS else None
        role_form = forms.RoleForm(initial={"role": current})
    context = {
        "subject": subject,
        "row": _rows([subject], locks)[0],
        "role_form": role_form,
        "is_self": subject.pk == request.user.pk,
        **NAV,
    }
    return render(request, "accounts/user_detail.html", context)


@require_GET
@manage_users_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_object_or_404(User, pk=pk))


@require_POST
@manage_users_required
def user_role(request: HttpRequest, pk: int) -> HttpResponse:
    subject = get_object_or_404(User, pk=pk)
    form = forms.RoleForm(request.POST)
    if not form.is_valid():
        return _detail(request, subject, role_form=form)
    role = form.cleaned_data["role"]
    try:
        changed = services.user_role_change(actor=request.user, user=subject, role=role)
    except services.OwnAccountRefused as refusal:
        messages.error(request, str(refusal))
    else:
        if changed:
            messages.success(
                request,
                _("%(username)s is now %(role)s.")
                % {"username": subject.get_username(), "role": roles.role_label(role)},
            )
    return redirect("accounts:user_detail", pk=subject.pk)


@require_POST
@manage_users_required
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    subject = get_object_or_404(User, pk=pk)
    try:
        if services.user_deactivate(actor=request.user, user=subject):
            messages.success(
                request,
                _("%(username)s is deactivated: their next page asks them to log in, and logging in is refused.")
                % {"username": subject.get_username()},
            )
    except services.OwnAccountRefused as refusal:
        messages.error(request, str(refusal))
    return redirect("accounts:user_detail", pk=subject.pk)


@require_POST
@manage_users_required
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    subject = get_object_or_404(User, pk=pk)
    if services.user_reactivate(actor=request.user, user=subject):
        messages.success(request, _("%(username)s can log in again.") % {"username": subject.get_username()})
    return redirect("accounts:user_detail", pk=subject.pk)


@require_http_methods(["GET", "POST"])
@manage_users_required
def user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first (the old password stops working at once); POST resets and shows the new link."""
    subject = get_object_or_404(User, pk=pk)
    if request.method == "GET":
        return render(request, "accounts/user_confirm_reset.html", {"subject": subject, **NAV})
    try:
        services.user_password_reset(actor=request.user, user=subject)
    except services.OwnAccountRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("accounts:user_detail", pk=subject.pk)
    return _show_link_once(request, subject, created=False)


@require_POST
@manage_users_required
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    subject = get_object_or_404(User, pk=pk)
    if services.user_unlock(actor=request.user, user=subject):
        messages.success(request, _("%(username)s can try to log in again.") % {"username": subject.get_username()})
    else:
        messages.info(request, _("%(username)s was not locked out.") % {"username": subject.get_username()})
    return redirect("accounts:user_detail", pk=subject.pk)


@method_decorator(login_not_required, name="dispatch")
class SetPasswordView(PasswordResetConfirmView):
    """Django's password reset confirmation (token check, the token moved out of the URL into the session, the
    password validators), for the link an admin handed over. A deactivated user's link does not work."""

    form_class = forms.NewPasswordForm
    template_name = "accounts/set_password.html"
    success_url = reverse_lazy("login")

    def get_user(self, uidb64: str) -> User | None:
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form: forms.NewPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        services.user_password_set(user=self.user)
        messages.success(self.request, _("Your password is set. Log in with it now."))
        return response
