"""The top bar every page shows: the pages a user's permissions open, the current section, the language switch
that comes back to the same page, and the user menu."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

# The top bar's links in the order shown, with the permission each needs.
NAV = [
    ("ledger:member_search", "lookup_member"),
    ("ledger:rankings", "view_rankings"),
    ("ledger:shop_ledger", "view_shop_ledger"),
    ("exports:list", "export_data"),
    ("connections:list", "manage_connections"),
    ("audit_log", "view_audit"),
    ("accounts:user_list", "manage_users"),
]


def _top_bar(client: Client, url: str = "/no-such-page/") -> str:
    # Every user can open the "not found" page, and it shows the whole top bar.
    html = client.get(url).content.decode()
    return html.split('<header class="topbar">')[1].split("</header>")[0]


def _nav_links(top_bar: str) -> list[str]:
    nav = top_bar.split('<nav class="topnav"')[1].split("</nav>")[0]
    return re.findall(r'<a href="([^"]+)"', nav)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_navigation_links_exactly_the_pages_the_users_permissions_open(
    support_user, manager_user, admin_user, nobody_user
):
    export_only = User.objects.create_user("export-only", password=PASSWORD)
    export_only.user_permissions.add(Permission.objects.get(codename="export_data"))
    superuser = User.objects.create_superuser("root-user", password=PASSWORD)
    expected = {
        support_user: ["ledger:member_search"],
        manager_user: ["ledger:member_search", "ledger:rankings", "ledger:shop_ledger", "exports:list"],
        admin_user: [name for name, _permission in NAV],
        superuser: [name for name, _permission in NAV],
        nobody_user: [],
        export_only: ["exports:list"],
    }
    for user, names in expected.items():
        top_bar = _top_bar(_client(user))
        assert _nav_links(top_bar) == [reverse(name) for name in names], user.username
        granted = {name for name, permission in NAV if User.objects.get(pk=user.pk).has_perm(f"ledger.{permission}")}
        assert set(names) == granted, user.username
        # The search box is for those who may look members up.
        assert ('id="global-search"' in top_bar) == ("ledger:member_search" in names)


@pytest.mark.parametrize(
    "page", ["ledger:member_search", "ledger:rankings", "exports:list", "connections:list", "audit_log"]
)
def test_the_current_section_is_marked(admin_client, page):
    top_bar = _top_bar(admin_client, reverse(page))
    assert re.findall(r'<a href="([^"]+)" class="active"', top_bar) == [reverse(page)]


def test_a_page_outside_the_sections_marks_none(admin_client):
    assert 'class="active"' not in _top_bar(admin_client)


@pytest.mark.parametrize(("language", "current"), [("zh-hans", "中文"), ("en", "English")])
def test_the_language_switch_names_each_language_in_its_own_words_and_marks_the_current(
    support_client, language, current
):
    support_client.cookies["django_language"] = language
    top_bar = _top_bar(support_client, reverse("ledger:member_search"))
    button = r'<button type="submit" name="language" value="([^"]+)" class="([^"]+)"([^>]*)>([^<]+)<'
    buttons = re.findall(button, top_bar)
    assert [(value, label) for value, _css, _aria, label in buttons] == [("zh-hans", "中文"), ("en", "English")]
    marked = [label for _value, css, aria, label in buttons if css == "link-button current" and "aria-current" in aria]
    assert marked == [current]


def test_switching_language_comes_back_to_the_same_page_with_its_filters(support_client):
    path = reverse("ledger:member_search") + '?q="><script>x</script>&page=2'
    top_bar = _top_bar(support_client, path)
    form = top_bar.split('<form class="lang-switch"')[1].split("</form>")[0]
    assert "<script>" not in form
    back = re.search(r'<input type="hidden" name="next" value="([^"]+)">', form).group(1)
    assert back == "/members/?q=%22%3E%3Cscript%3Ex%3C/script%3E&amp;page=2"
    assert 'name="csrfmiddlewaretoken"' in form

    response = support_client.post(reverse("set_language"), {"language": "en", "next": back.replace("&amp;", "&")})
    assert response.status_code == 302
    assert response["Location"] == back.replace("&amp;", "&")
    assert "Member lookup" in support_client.get(response["Location"]).content.decode()


def test_the_user_menu_names_the_user_and_their_role(manager_client):
    top_bar = _top_bar(manager_client)
    assert "<summary>manager</summary>" in top_bar
    menu = top_bar.split('class="user-menu-body"')[1].split("</div>")[0]
    assert "经理" in menu  # the role in the reader's language, not the group's name
    assert reverse("logout") in menu
    english = manager_client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Manager" in english.split('class="user-menu-body"')[1].split("</div>")[0]
