"""The security sweep: every route needs login, roles see exactly their routes, CSRF on every POST."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Routes an anonymous user may open (everything else must redirect to the login page).
PUBLIC_ROUTES = {"login", "logout", "healthz", "accounts:set_password"}

# Sample values for path converters, so that every route can be requested.
SAMPLE_ARGUMENTS = {"int": "1", "str": "member-1", "slug": "member-1", "path": "member-1"}


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            child_namespace = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, prefix + str(entry.pattern), child_namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern)


def _concrete_path(route: str) -> str:
    path = re.sub(r"<(?:(\w+):)?\w+>", lambda match: SAMPLE_ARGUMENTS[match.group(1) or "str"], route)
    return "/" + path.lstrip("^").rstrip("$")


ALL_ROUTES = sorted(set(_walk(get_resolver())))


def test_the_walk_finds_the_routes_we_know():
    names = {name for name, _ in ALL_ROUTES}
    assert {"login", "audit_log", "ledger:member_search", "connections:list"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "route"), [r for r in ALL_ROUTES if r[0] not in PUBLIC_ROUTES])
def test_every_route_sends_an_anonymous_user_to_login(client, name, route):
    path = _concrete_path(route)
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 302, f"{name} {path} answered {response.status_code}"
        assert response.url.startswith(reverse("login")), f"{name} {path} redirected to {response.url}"


@pytest.mark.django_db
def test_csrf_is_enforced_on_posts(support_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(support_user)
    assert client.post(reverse("logout")).status_code == 403
    assert client.post(reverse("set_language"), {"language": "en"}).status_code == 403


@pytest.mark.django_db
def test_login_form_needs_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("login"), {"username": "x", "password": "y"}).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "says"), [("zh-hans", "表单未能提交"), ("en", "This form could not be sent")])
def test_a_refused_form_gets_our_page_in_the_users_language(support_user, language, says):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
    for response in (
        client.post(reverse("login"), {"username": "support", "password": "y"}),
        client.post(reverse("set_language"), {"language": "en"}),
    ):
        html = response.content.decode()
        assert response.status_code == 403
        assert says in html
        assert f'lang="{language}"' in html
        assert "CSRF verification failed" not in html  # Django's page


# Which roles may open each route: the rest get 403. "all" = any logged-in user, role or not.
ROUTE_ROLES = {
    "home": "all",
    "set_language": "all",
    "ledger:member_search": {"support", "manager", "admin"},
    "ledger:member_panel": {"support", "manager", "admin"},
    "ledger:member_detail": {"support", "manager", "admin"},
    "ledger:member_period_summary": {"support", "manager", "admin"},
    "ledger:member_export": {"manager", "admin"},
    "ledger:reveal_mobile": {"manager", "admin"},
    "ledger:rankings": {"manager", "admin"},
    "ledger:rankings_export": {"manager", "admin"},
    "ledger:shop_ledger": {"manager", "admin"},
    "ledger:shop_ledger_export": {"manager", "admin"},
    "exports:list": {"manager", "admin"},
    "exports:detail": {"manager", "admin"},
    "exports:cancel": {"manager", "admin"},
    "exports:retry": {"manager", "admin"},
    "exports:download": {"manager", "admin"},
    "connections:list": {"admin"},
    "connections:create": {"admin"},
    "connections:edit": {"admin"},
    "connections:toggle": {"admin"},
    "connections:delete": {"admin"},
    "connections:test": {"admin"},
    "audit_log": {"admin"},
    "audit_log_export": {"admin"},
    "accounts:user_list": {"admin"},
    "accounts:user_create": {"admin"},
    "accounts:user_detail": {"admin"},
    "accounts:user_role": {"admin"},
    "accounts:user_deactivate": {"admin"},
    "accounts:user_reactivate": {"admin"},
    "accounts:user_reset_password": {"admin"},
    "accounts:user_unlock": {"admin"},
}


def test_every_route_has_a_role_rule():
    assert {name for name, _ in ALL_ROUTES} - PUBLIC_ROUTES == set(ROUTE_ROLES)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["nobody", "support", "manager", "admin"])
@pytest.mark.parametrize(("name", "route"), [r for r in ALL_ROUTES if r[0] in ROUTE_ROLES])
def test_each_role_gets_exactly_its_routes(request, role, name, route):
    user = request.getfixturevalue(f"{role}_user")
    client = Client()
    client.force_login(user)
    allowed = ROUTE_ROLES[name] == "all" or role in ROUTE_ROLES[name]
    path = _concrete_path(route)
    statuses = {method.__name__: method(path).status_code for method in (client.get, client.post)}
    if allowed:
        # The page answers: a missing sample object may be 404, a bad export request 400, the other method 405.
        assert set(statuses.values()) <= {200, 302, 400, 404, 405}, f"{role} {path}: {statuses}"
        assert set(statuses.values()) != {405}
    else:
        # Refused with 403 for the method the view serves (the other method is 405 before any check).
        assert set(statuses.values()) <= {403, 405}, f"{role} {path}: {statuses}"
        assert 403 in statuses.values(), f"{role} {path}: {statuses}"
