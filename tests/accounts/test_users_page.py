"""The users and roles page: who sees it, what each change does, that each change is audited, and that bad input
gets a clear message, never a 500."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from pointsadmin import roles
from tests.conftest import PASSWORD

NEW_PASSWORD = "plum-kettle-orbit-4821"
LINK = re.compile(r'id="password-link"[^>]*>(?P<link>[^<]+)</textarea>')


def _link_in(response) -> str:
    match = LINK.search(response.content.decode())
    assert match, "the page shows no set-password link"
    return match["link"].replace("http://testserver", "")


def _set_password_with(link: str, password: str = NEW_PASSWORD) -> Client:
    """Follows the link as the new user does, in a browser of their own, and sets `password`."""
    browser = Client()
    opened = browser.get(link)
    # Django moves the token out of the URL into the session before showing the form.
    assert opened.status_code == 302
    response = browser.post(opened.url, {"new_password1": password, "new_password2": password})
    assert response.status_code == 302, response.content.decode()
    assert response.url == reverse("login")
    return browser


def _logs_in(username: str, password: str, address: str = "10.0.0.1") -> bool:
    response = Client(REMOTE_ADDR=address).post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302


def _entries(action: AuditAction) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


# --- who sees it --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_role_holds_the_manage_users_permission_from_the_migration():
    # No fixture has called ensure_roles: this is what the migrations left.
    assert Group.objects.get(name=roles.ADMIN).permissions.filter(codename="manage_users").exists()
    for role in (roles.SUPPORT, roles.MANAGER):
        assert not Group.objects.get(name=role).permissions.filter(codename="manage_users").exists()


@pytest.mark.django_db
def test_only_admins_see_the_link_in_the_top_bar(support_client, manager_client, admin_client):
    link = f'href="{reverse("accounts:user_list")}"'
    assert link not in support_client.get(reverse("ledger:member_search")).content.decode()
    assert link not in manager_client.get(reverse("ledger:member_search")).content.decode()
    admin_html = admin_client.get(reverse("ledger:member_search")).content.decode()
    assert link in admin_html
    assert "用户与角色" in admin_html
    english = admin_client.get(reverse("ledger:member_search"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Users &amp; roles" in english


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["support_client", "manager_client"])
def test_support_and_managers_are_refused_every_part_of_the_page(request, who, admin_user):
    client = request.getfixturevalue(who)
    pk = admin_user.pk
    for url in (
        reverse("accounts:user_list"),
        reverse("accounts:user_create"),
        reverse("accounts:user_detail", args=[pk]),
        reverse("accounts:user_reset_password", args=[pk]),
    ):
        assert client.get(url).status_code == 403, url
    for url in (
        reverse("accounts:user_create"),
        reverse("accounts:user_role", args=[pk]),
        reverse("accounts:user_deactivate", args=[pk]),
        reverse("accounts:user_reset_password", args=[pk]),
        reverse("accounts:user_unlock", args=[pk]),
    ):
        assert client.post(url, {"username": "sneaky", "role": roles.ADMIN}).status_code == 403, url
    admin_user.refresh_from_db()
    assert admin_user.is_active
    assert not User.objects.filter(username="sneaky").exists()
    assert not AuditEntry.objects.filter(action__startswith="user_").exists()


@pytest.mark.django_db
def test_logged_out_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("accounts:user_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- the list -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_shows_each_users_role_last_login_and_lockout_in_chinese(admin_client, support_user, manager_user):
    # 01:15 UTC is 09:15 in Shanghai, where people read the page.
    User.objects.filter(pk=manager_user.pk).update(last_login=datetime(2026, 11, 30, 1, 15, tzinfo=UTC))
    for _ in range(5):
        Client(REMOTE_ADDR="10.0.0.9").post(reverse("login"), {"username": "support", "password": "nope"})

    html = admin_client.get(reverse("accounts:user_list")).content.decode()
    support_row = re.search(rf'<tr id="user-{support_user.pk}">(.*?)</tr>', html, re.S)[1]
    manager_row = re.search(rf'<tr id="user-{manager_user.pk}">(.*?)</tr>', html, re.S)[1]
    assert "客服" in support_row
    assert "已锁定至" in support_row
    assert "从未登录" in support_row
    assert "经理" in manager_row
    assert "2026-11-30" in manager_row
    assert "09:15" in manager_row  # the time, beside the date except on a phone
    assert "已锁定" not in manager_row

    english = admin_client.get(reverse("accounts:user_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Locked out until" in english
    assert "Support" in english


@pytest.mark.django_db
def test_the_list_filters_by_name_role_and_status_and_pages(admin_client, admin_user):
    support = Group.objects.get(name=roles.SUPPORT)
    for number in range(55):
        user = User.objects.create_user(f"staff{number:02d}", first_name=f"员工{number:02d}")
        user.groups.add(support)
    User.objects.filter(username="staff07").update(is_active=False)

    first = admin_client.get(reverse("accounts:user_list")).content.decode()
    assert "第 1 / 2 页" in first
    assert "共 56 位用户" in first
    second = admin_client.get(reverse("accounts:user_list"), {"page": 2}).content.decode()
    assert "staff54" in second

    by_name = admin_client.get(reverse("accounts:user_list"), {"q": "员工07"}).content.decode()
    assert "staff07" in by_name
    assert "staff08" not in by_name
    inactive = admin_client.get(reverse("accounts:user_list"), {"status": "inactive"}).content.decode()
    assert "staff07" in inactive
    assert "staff08" not in inactive
    admins = admin_client.get(reverse("accounts:user_list"), {"role": roles.ADMIN}).content.decode()
    assert f'id="user-{admin_user.pk}"' in admins
    assert "staff00" not in admins


@pytest.mark.django_db
def test_the_locked_filter_lists_only_locked_out_users(admin_client, support_user, manager_user):
    for _ in range(5):
        Client(REMOTE_ADDR="10.0.0.9").post(reverse("login"), {"username": "manager", "password": "nope"})
    html = admin_client.get(reverse("accounts:user_list"), {"status": "locked"}).content.decode()
    assert f'id="user-{manager_user.pk}"' in html
    assert f'id="user-{support_user.pk}"' not in html


@pytest.mark.django_db
def test_four_failures_are_not_shown_as_a_lockout(admin_client, support_user):
    for _ in range(4):
        Client(REMOTE_ADDR="10.0.0.9").post(reverse("login"), {"username": "support", "password": "nope"})
    assert "已锁定至" not in admin_client.get(reverse("accounts:user_list")).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad",
    [
        {"page": "abc"},
        {"page": "-1"},
        {"role": "<script>"},
        {"status": "x" * 5000},
        {"q": "q" * 500},
        {"q": "\x00"},
    ],
)
def test_the_list_survives_bad_parameters_and_says_what_it_ignored(admin_client, support_user, bad):
    response = admin_client.get(reverse("accounts:user_list"), bad)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>" not in html
    assert "部分筛选条件无效" in html
    assert f'id="user-{support_user.pk}"' in html


@pytest.mark.django_db
def test_a_page_past_the_end_shows_the_last_page(admin_client, support_user):
    response = admin_client.get(reverse("accounts:user_list"), {"page": "10" * 20})
    assert response.status_code == 200
    assert f'id="user-{support_user.pk}"' in response.content.decode()


@pytest.mark.django_db
def test_an_htmx_filter_gets_only_the_table(admin_client):
    response = admin_client.get(reverse("accounts:user_list"), {"role": roles.ADMIN}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="users-table"')
    assert "<html" not in html
    assert "HX-Request" in response.headers["Vary"]


# --- creating a user ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_creating_a_user_shows_a_one_time_link_with_which_they_choose_their_password(admin_client, admin_user):
    response = admin_client.post(
        reverse("accounts:user_create"), {"username": "wangfang", "full_name": "王芳", "role": roles.SUPPORT}
    )
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    html = response.content.decode()
    assert "已创建用户“wangfang”" in html
    assert "只显示这一次" in html
    link = _link_in(response)

    user = User.objects.get(username="wangfang")
    assert user.first_name == "王芳"
    assert [group.name for group in user.groups.all()] == [roles.SUPPORT]
    # Nobody knows a password for them until they choose one.
    assert not user.has_usable_password()
    assert not _logs_in("wangfang", "")

    (entry,) = _entries(AuditAction.USER_CREATED)
    assert (entry.user, entry.target, entry.details) == (admin_user, "wangfang", {"role": roles.SUPPORT})

    _set_password_with(link)
    assert _logs_in("wangfang", NEW_PASSWORD)
    (set_entry,) = _entries(AuditAction.USER_PASSWORD_SET)
    assert set_entry.username == "wangfang"

    # Used once, the link no longer works.
    again = Client().get(link, follow=True).content.decode()
    assert "链接无效" in again


@pytest.mark.django_db
def test_the_set_password_page_needs_no_login_and_says_what_is_wrong(admin_client):
    link = _link_in(admin_client.post(reverse("accounts:user_create"), {"username": "lilei", "role": roles.MANAGER}))
    browser = Client()
    form_url = browser.get(link).url
    mismatch = browser.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"})
    assert mismatch.status_code == 200
    assert "两次输入的密码不一致" in mismatch.content.decode()
    empty = browser.post(form_url, {"new_password1": "", "new_password2": ""}).content.decode()
    assert "请输入新密码。" in empty
    assert "请再次输入新密码。" in empty
    common = browser.post(form_url, {"new_password1": "password123", "new_password2": "password123"})
    assert common.status_code == 200
    assert 'class="field-error"' in common.content.decode()
    assert not User.objects.get(username="lilei").has_usable_password()
    assert not AuditEntry.objects.filter(action=AuditAction.USER_PASSWORD_SET).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "link",
    [
        "/accounts/set-password/MQ/abc-123/",
        "/accounts/set-password/%%%/set-password/",
        "/accounts/set-password/" + "A" * 300 + "/x/",
        "/accounts/set-password/LTE/x-y/",
    ],
)
def test_a_made_up_set_password_link_says_it_does_not_work(client, support_user, link):
    response = client.get(link)
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert "链接无效" in response.content.decode()


@pytest.mark.django_db
def test_a_deactivated_users_link_does_not_work(admin_client, admin_user):
    link = _link_in(admin_client.post(reverse("accounts:user_create"), {"username": "temp", "role": roles.SUPPORT}))
    temp = User.objects.get(username="temp")
    admin_client.post(reverse("accounts:user_deactivate", args=[temp.pk]))
    assert "链接无效" in Client().get(link, follow=True).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "", "role": roles.SUPPORT}, "请输入用户名。"),
        ({"username": "two words", "role": roles.SUPPORT}, "不能有空格"),
        ({"username": "x" * 151, "role": roles.SUPPORT}, "用户名最多 150 个字符。"),
        ({"username": "SUPPORT", "role": roles.SUPPORT}, "已有用户使用这个用户名。"),
        ({"username": "newbie", "role": "Root"}, "请从列出的角色中选择一个。"),
        ({"username": "newbie"}, "请选择角色。"),
        ({"username": "newbie", "role": roles.SUPPORT, "full_name": "名" * 151}, "姓名最多 150 个字符。"),
        ({"username": "<script>", "role": roles.SUPPORT}, "不能有空格"),
    ],
)
def test_creating_with_bad_input_says_what_is_wrong_and_creates_nothing(admin_client, support_user, data, message):
    before = User.objects.count()
    response = admin_client.post(reverse("accounts:user_create"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "<script>" not in html
    assert "确保该变量" not in html  # Django's stock wording
    assert User.objects.count() == before
    assert not _entries(AuditAction.USER_CREATED)


# --- changing a role ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_changing_a_role_takes_effect_on_the_users_next_request_and_is_audited(admin_client, admin_user, support_user):
    support = Client()
    support.force_login(support_user)
    assert support.get(reverse("ledger:rankings")).status_code == 403

    response = admin_client.post(reverse("accounts:user_role", args=[support_user.pk]), {"role": roles.MANAGER})
    assert response.status_code == 302
    page = admin_client.get(response.url).content.decode()
    assert "support 的角色已改为经理。" in page

    assert [group.name for group in support_user.groups.all()] == [roles.MANAGER]
    assert support.get(reverse("ledger:rankings")).status_code == 200
    (entry,) = _entries(AuditAction.USER_ROLE_CHANGED)
    assert (entry.user, entry.target) == (admin_user, "support")
    assert entry.details == {"from": [roles.SUPPORT], "to": roles.MANAGER}


@pytest.mark.django_db
def test_a_user_with_two_roles_is_left_with_exactly_the_one_chosen(admin_client, support_user):
    support_user.groups.add(Group.objects.get(name=roles.MANAGER))
    admin_client.post(reverse("accounts:user_role", args=[support_user.pk]), {"role": roles.SUPPORT})
    assert [group.name for group in support_user.groups.all()] == [roles.SUPPORT]
    (entry,) = _entries(AuditAction.USER_ROLE_CHANGED)
    assert entry.details == {"from": [roles.SUPPORT, roles.MANAGER], "to": roles.SUPPORT}


@pytest.mark.django_db
def test_saving_the_same_role_changes_nothing_and_audits_nothing(admin_client, support_user):
    admin_client.post(reverse("accounts:user_role", args=[support_user.pk]), {"role": roles.SUPPORT})
    assert not _entries(AuditAction.USER_ROLE_CHANGED)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["", "Root", "<script>", "x" * 5000])
def test_a_bad_role_is_named_on_the_page_and_nothing_changes(admin_client, support_user, role):
    response = admin_client.post(reverse("accounts:user_role", args=[support_user.pk]), {"role": role})
    html = response.content.decode()
    assert response.status_code == 200
    assert "请从列出的角色中选择一个。" in html or "请选择角色。" in html
    assert "<script>" not in html
    assert [group.name for group in support_user.groups.all()] == [roles.SUPPORT]
    assert not _entries(AuditAction.USER_ROLE_CHANGED)


# --- an admin and their own account -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_admin_cannot_demote_deactivate_or_reset_themselves_and_is_told_so(admin_client, admin_user):
    page = admin_client.get(reverse("accounts:user_detail", args=[admin_user.pk])).content.decode()
    assert "这是你自己的账号" in page
    assert reverse("accounts:user_deactivate", args=[admin_user.pk]) not in page

    demote = admin_client.post(
        reverse("accounts:user_role", args=[admin_user.pk]), {"role": roles.SUPPORT}, follow=True
    ).content.decode()
    assert "不能更改自己的角色" in demote
    deactivate = admin_client.post(reverse("accounts:user_deactivate", args=[admin_user.pk]), follow=True)
    assert "不能停用自己的账号" in deactivate.content.decode()
    reset = admin_client.post(reverse("accounts:user_reset_password", args=[admin_user.pk]), follow=True)
    assert "不能在这里重置自己的密码" in reset.content.decode()

    admin_user.refresh_from_db()
    assert admin_user.is_active
    assert admin_user.check_password(PASSWORD)
    assert [group.name for group in admin_user.groups.all()] == [roles.ADMIN]
    assert not AuditEntry.objects.filter(action__startswith="user_").exists()
    # Still an admin, still logged in.
    assert admin_client.get(reverse("accounts:user_list")).status_code == 200


# --- deactivating and reactivating --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_deactivating_refuses_the_users_next_request_and_their_next_login(admin_client, admin_user, support_user):
    support = Client()
    support.force_login(support_user)
    assert support.get(reverse("ledger:member_search")).status_code == 200

    response = admin_client.post(reverse("accounts:user_deactivate", args=[support_user.pk]), follow=True)
    assert "support 已停用" in response.content.decode()

    refused = support.get(reverse("ledger:member_search"))
    assert refused.status_code == 302
    assert refused.url.startswith(reverse("login"))
    assert not _logs_in("support", PASSWORD)
    (entry,) = _entries(AuditAction.USER_DEACTIVATED)
    assert (entry.user, entry.target) == (admin_user, "support")

    list_html = admin_client.get(reverse("accounts:user_list")).content.decode()
    assert "已停用" in re.search(rf'<tr id="user-{support_user.pk}">(.*?)</tr>', list_html, re.S)[1]

    admin_client.post(reverse("accounts:user_reactivate", args=[support_user.pk]))
    assert _logs_in("support", PASSWORD)
    (entry,) = _entries(AuditAction.USER_REACTIVATED)
    assert entry.target == "support"


@pytest.mark.django_db
def test_deactivating_twice_audits_once(admin_client, support_user):
    admin_client.post(reverse("accounts:user_deactivate", args=[support_user.pk]))
    admin_client.post(reverse("accounts:user_deactivate", args=[support_user.pk]))
    assert len(_entries(AuditAction.USER_DEACTIVATED)) == 1


# --- resetting a password -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_resetting_asks_first_then_ends_the_old_password_and_sessions_and_gives_a_new_link(
    admin_client, admin_user, support_user
):
    support = Client()
    support.force_login(support_user)

    confirm = admin_client.get(reverse("accounts:user_reset_password", args=[support_user.pk]))
    assert "重置“support”的密码" in confirm.content.decode()
    support_user.refresh_from_db()
    assert support_user.check_password(PASSWORD)  # asking changed nothing

    response = admin_client.post(reverse("accounts:user_reset_password", args=[support_user.pk]))
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    link = _link_in(response)

    assert support.get(reverse("ledger:member_search")).status_code == 302
    assert not _logs_in("support", PASSWORD)
    (entry,) = _entries(AuditAction.USER_PASSWORD_RESET)
    assert (entry.user, entry.target) == (admin_user, "support")

    _set_password_with(link)
    assert _logs_in("support", NEW_PASSWORD)


# --- lifting a lockout --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_lifting_a_lockout_lets_the_user_log_in_again_and_is_audited(admin_client, admin_user, support_user):
    locked_out = Client(REMOTE_ADDR="10.0.0.7")
    for _ in range(5):
        locked_out.post(reverse("login"), {"username": "support", "password": "nope"})
    assert locked_out.post(reverse("login"), {"username": "support", "password": PASSWORD}).status_code == 429

    page = admin_client.get(reverse("accounts:user_detail", args=[support_user.pk])).content.decode()
    assert "解除锁定" in page
    response = admin_client.post(reverse("accounts:user_unlock", args=[support_user.pk]), follow=True)
    assert "support 的锁定已解除" in response.content.decode()

    assert not AccessAttempt.objects.filter(username="support").exists()
    assert locked_out.post(reverse("login"), {"username": "support", "password": PASSWORD}).status_code == 302
    (entry,) = _entries(AuditAction.USER_UNLOCKED)
    assert (entry.user, entry.target) == (admin_user, "support")
    assert entry.details == {"attempts_cleared": 1}


@pytest.mark.django_db
def test_unlocking_a_user_who_is_not_locked_says_so_and_audits_nothing(admin_client, support_user):
    response = admin_client.post(reverse("accounts:user_unlock", args=[support_user.pk]), follow=True)
    assert "support 并未被锁定。" in response.content.decode()
    assert not _entries(AuditAction.USER_UNLOCKED)


# --- bad addresses ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("pk", [999999, 2**63, 10**30])
def test_a_user_that_does_not_exist_is_our_404(admin_client, pk):
    for url in (reverse("accounts:user_detail", args=[pk]), reverse("accounts:user_reset_password", args=[pk])):
        response = admin_client.get(url)
        assert response.status_code == 404
        assert "页面不存在" in response.content.decode()
    assert admin_client.post(reverse("accounts:user_deactivate", args=[pk])).status_code == 404


@pytest.mark.django_db
def test_changes_are_posts(admin_client, support_user):
    for name in ("user_role", "user_deactivate", "user_reactivate", "user_unlock"):
        assert admin_client.get(reverse(f"accounts:{name}", args=[support_user.pk])).status_code == 405
    support_user.refresh_from_db()
    assert support_user.is_active


@pytest.mark.django_db
def test_the_audit_log_names_the_new_actions_in_the_readers_language(admin_client, support_user):
    admin_client.post(reverse("accounts:user_deactivate", args=[support_user.pk]))
    assert "停用用户" in admin_client.get(reverse("audit_log")).content.decode()
    english = admin_client.get(reverse("audit_log"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "User deactivated" in english
