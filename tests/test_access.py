"""Cached access rights (pointsadmin/access.py): a change of role or permission applies on the next request,
on every worker, while an ordinary page reads no permission tables."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pointsadmin import roles

pytestmark = pytest.mark.django_db

RANKINGS = reverse("ledger:rankings")
SEARCH = reverse("ledger:member_search")


def test_taking_a_role_away_applies_on_the_next_request(manager_client, manager_user):
    assert manager_client.get(RANKINGS).status_code == 200
    manager_user.groups.clear()
    assert manager_client.get(RANKINGS).status_code == 403
    manager_user.groups.add(Group.objects.get(name=roles.MANAGER))
    assert manager_client.get(RANKINGS).status_code == 200


def test_taking_a_permission_from_a_role_applies_on_the_next_request(manager_client):
    assert manager_client.get(RANKINGS).status_code == 200
    group = Group.objects.get(name=roles.MANAGER)
    group.permissions.remove(Permission.objects.get(codename="view_rankings"))
    assert manager_client.get(RANKINGS).status_code == 403
    roles.ensure_roles()  # puts the permission back
    assert manager_client.get(RANKINGS).status_code == 200


def test_a_deactivated_user_loses_access_at_once(support_client, support_user):
    assert support_client.get(SEARCH).status_code == 200
    support_user.is_active = False
    support_user.save()
    response = support_client.get(SEARCH)
    assert response.status_code == 302  # logged out: an inactive user has no session
    assert reverse("login") in response["Location"]


def test_the_user_menu_names_the_role(manager_client):
    html = manager_client.get(SEARCH).content.decode()
    menu = html.split('class="user-menu-body"')[1].split("</div>")[0]
    assert roles.MANAGER in menu


def test_a_page_reads_no_permission_tables_once_access_is_cached(manager_client):
    manager_client.get(SEARCH)
    with CaptureQueriesContext(connection) as queries:
        assert manager_client.get(SEARCH).status_code == 200
    tables = " ".join(query["sql"] for query in queries.captured_queries)
    assert "auth_permission" not in tables
    assert "auth_group" not in tables
    assert "django_session" not in tables  # sessions are read from the cache
