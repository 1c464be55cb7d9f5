"""Access rights are Django's (ModelBackend): a change of user, role or permission applies on the next request,
however it was made."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.urls import reverse

from pointsadmin import roles

pytestmark = pytest.mark.django_db

RANKINGS = reverse("ledger:rankings")
SEARCH = reverse("ledger:member_search")
# A name: no vendor looks members up by name, so the page names every enabled connection and calls none.
NAME_SEARCH = f"{SEARCH}?q=Zhang"


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


def test_a_new_password_ends_the_other_sessions_at_once(support_client, support_user):
    assert support_client.get(SEARCH).status_code == 200
    support_user.set_password("a-brand-new-passphrase-42")
    support_user.save()
    response = support_client.get(SEARCH)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_change_made_outside_the_orm_applies_on_the_next_request(manager_client, manager_user):
    # Another program, or a raw UPDATE: no signal, no save(), and still no stale access.
    assert manager_client.get(RANKINGS).status_code == 200
    User.objects.filter(pk=manager_user.pk).update(is_active=False)
    assert manager_client.get(SEARCH).status_code == 302


def test_a_role_given_applies_on_the_next_request(nobody_user):
    client = Client()
    client.force_login(nobody_user)
    assert client.get(SEARCH).status_code == 403
    Group.objects.get(name=roles.SUPPORT).user_set.add(nobody_user)
    assert client.get(SEARCH).status_code == 200


def test_a_connection_changed_by_another_worker_shows_on_the_next_request(admin_client, make_connection):
    connection = make_connection(vendor="kingdee", name="Hangzhou")
    assert "Hangzhou" in admin_client.get(NAME_SEARCH).content.decode()
    # Another worker: the row changes, nothing in this process is told.
    type(connection).objects.filter(pk=connection.pk).update(name="Ningbo")
    assert "Ningbo" in admin_client.get(NAME_SEARCH).content.decode()
