"""Login, lockout after repeated failures, roles, language and the health check."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db.models import F
from django.test import Client, override_settings
from django.urls import reverse

from audit.models import AuditAction
from tests.conftest import PASSWORD


@pytest.mark.django_db
def test_login_page_is_our_own_and_chinese_by_default(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'lang="zh-hans"' in html
    assert "登录" in html
    assert "Django administration" not in html


@pytest.mark.django_db
def test_english_is_available(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    assert 'lang="en"' in response.content.decode()
    assert "Log in" in response.content.decode()


@pytest.mark.django_db
def test_logging_in_lands_on_member_search(support_user):
    client = Client()
    response = client.post(reverse("login"), {"username": "support", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("ledger:member_search")


@pytest.mark.django_db
def test_a_wrong_password_says_so_without_echoing_it(support_user):
    client = Client()
    response = client.post(reverse("login"), {"username": "support", "password": "wrong-pass-123"})
    assert response.status_code == 200
    assert "wrong-pass-123" not in response.content.decode()
    assert "alert error" in response.content.decode()


@pytest.mark.django_db
def test_five_failures_lock_that_user_from_that_address_with_a_clear_message(support_user):
    client = Client(REMOTE_ADDR="10.1.2.3")
    for _ in range(4):
        response = client.post(reverse("login"), {"username": "support", "password": "nope"})
        assert response.status_code == 200
    locked = client.post(reverse("login"), {"username": "support", "password": "nope"})
    assert locked.status_code == 429
    assert "5" in locked.content.decode()
    # Even the right password is refused while locked.
    still_locked = client.post(reverse("login"), {"username": "support", "password": PASSWORD})
    assert still_locked.status_code == 429
    # Another address is not locked (user + IP).
    other = Client(REMOTE_ADDR="10.9.9.9").post(reverse("login"), {"username": "support", "password": PASSWORD})
    assert other.status_code == 302


@pytest.mark.django_db
def test_logout_is_a_post_and_ends_the_session(support_client):
    response = support_client.post(reverse("logout"))
    assert response.status_code == 302
    assert support_client.get(reverse("ledger:member_search")).status_code == 302


@pytest.mark.django_db
def test_a_user_with_no_role_gets_a_friendly_403_not_a_redirect_loop(nobody_user):
    client = Client()
    client.force_login(nobody_user)
    response = client.get(reverse("ledger:member_search"))
    assert response.status_code == 403
    assert "管理员" in response.content.decode()  # "ask an admin", in Chinese


@pytest.mark.django_db
def test_navigation_shows_only_what_the_role_may_open(support_client, admin_client):
    support_html = support_client.get(reverse("ledger:member_search")).content.decode()
    admin_html = admin_client.get(reverse("ledger:member_search")).content.decode()
    for url in (reverse("connections:list"), reverse("audit_log"), reverse("ledger:rankings")):
        assert f'href="{url}"' not in support_html
        assert f'href="{url}"' in admin_html


@pytest.mark.django_db
def test_healthz_needs_no_login_and_checks_database_and_cache(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


@pytest.mark.django_db
def test_htmx_comes_from_our_own_static_files_not_a_cdn(support_client):
    html = support_client.get(reverse("ledger:member_search")).content.decode()
    assert "/static/django-htmx/" in html or "/static/django_htmx/" in html
    # Every script and stylesheet address is ours (a random token in the page may spell "cdn" by chance).
    addresses = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert addresses
    assert not [address for address in addresses if "unpkg" in address or "cdn" in address.lower()]


@pytest.mark.django_db
def test_audit_log_pages_and_filters_by_user_and_action(admin_client, admin_user, support_user):
    from audit.records import audit_record

    for number in range(60):
        audit_record(user=support_user, action=AuditAction.MEMBER_LOOKUP, target=f"1380000{number:04d}")
    audit_record(user=admin_user, action=AuditAction.CONNECTION_CREATED, target="kingdee-test")

    first = admin_client.get(reverse("audit_log")).content.decode()
    assert "138****0059" in first  # newest first, mobile masked
    assert "13800000059" not in first

    by_action = admin_client.get(reverse("audit_log"), {"action": "connection_created"}).content.decode()
    assert "kingdee-test" in by_action
    assert "138****" not in by_action

    by_user = admin_client.get(reverse("audit_log"), {"user": support_user.pk, "page": 2}).content.decode()
    assert "138****0009" in by_user
    assert "kingdee-test" not in by_user


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad", [{"page": "abc"}, {"page": "-1"}, {"page": "10" * 20}, {"user": "<script>"}, {"action": "x" * 5000}]
)
def test_audit_log_survives_bad_parameters(admin_client, admin_user, bad):
    from audit.records import audit_record

    audit_record(user=admin_user, action=AuditAction.CONNECTION_CREATED, target="kingdee-test")
    response = admin_client.get(reverse("audit_log"), bad)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>" not in html
    # The page says the bad filter is ignored, and it is: the log is still shown.
    assert "kingdee-test" in html


@pytest.mark.django_db
def test_a_bad_audit_filter_leaves_the_valid_ones_applied(admin_client, admin_user, support_user):
    from audit.records import audit_record

    audit_record(user=support_user, action=AuditAction.MEMBER_LOOKUP, target="M-support")
    audit_record(user=admin_user, action=AuditAction.CONNECTION_CREATED, target="kingdee-test")
    html = admin_client.get(reverse("audit_log"), {"user": support_user.pk, "page": "abc"}).content.decode()
    assert "M-support" in html
    assert "kingdee-test" not in html


@pytest.mark.django_db
def test_audit_log_is_for_admins_only(support_client, manager_client):
    assert support_client.get(reverse("audit_log")).status_code == 403
    assert manager_client.get(reverse("audit_log")).status_code == 403


@pytest.mark.django_db
def test_audit_log_htmx_request_gets_only_the_table(admin_client):
    response = admin_client.get(reverse("audit_log"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="audit-table"' in html
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]


@pytest.mark.django_db
def test_users_keep_their_audit_history_after_deletion(admin_user):
    from audit.models import AuditEntry
    from audit.records import audit_record

    user = User.objects.create_user("temp", password=PASSWORD)
    audit_record(user=user, action=AuditAction.MEMBER_LOOKUP, target="abc")
    user.delete()
    assert AuditEntry.objects.get(target="abc").username == "temp"


def _backdate_login_attempts(minutes: int) -> None:
    """As if `minutes` had passed since every recorded login attempt."""
    from axes.models import AccessAttempt

    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))


@pytest.mark.django_db
def test_attempts_while_locked_out_do_not_extend_the_lockout(support_user):
    client = Client(REMOTE_ADDR="10.1.2.3")
    for _ in range(5):
        client.post(reverse("login"), {"username": "support", "password": "nope"})
    _backdate_login_attempts(10)
    assert client.post(reverse("login"), {"username": "support", "password": "nope"}).status_code == 429
    _backdate_login_attempts(6)  # 16 minutes after the lockout began, 6 after the last try
    assert client.post(reverse("login"), {"username": "support", "password": PASSWORD}).status_code == 302


BEHIND_ONE_PROXY = {"AXES_IPWARE_META_PRECEDENCE_ORDER": ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]}


@pytest.mark.django_db
@override_settings(**BEHIND_ONE_PROXY, AXES_IPWARE_PROXY_COUNT=0)
def test_behind_a_proxy_the_lockout_is_per_client_address_from_its_header(support_user):
    # One reverse proxy (10.0.0.2) sets X-Forwarded-For to the address it received the request from.
    def attempt(forwarded_for: str, password: str = "nope") -> int:
        client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for)
        return client.post(reverse("login"), {"username": "support", "password": password}).status_code

    for _ in range(5):
        attempt("198.51.100.7")
    assert attempt("198.51.100.7", PASSWORD) == 429
    # A forged header is read past: the proxy appended the real address after it.
    assert attempt("203.0.113.1, 198.51.100.7", PASSWORD) == 429
    # Another client behind the same proxy is not locked out.
    assert attempt("198.51.100.8", PASSWORD) == 302
