"""The audit log's export button (issue 18, item 3): a job made from exactly the filters on screen, through the page's
own form and query, written as the page reads (sentences, action labels, masked mobiles) in the user's language;
no vendor is asked anything, and only whoever may read the audit log may make or download one."""

# ruff: noqa: RUF001 # Chinese punctuation is what the file must hold

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from audit.records import audit_record
from exports.models import ExportJob, ExportKind, ExportStatus
from tests.exports.conftest import csv_rows, downloaded, xlsx_rows

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
EXPORT = reverse("audit_log_export")
NOVEMBER = "?start=2026-11-01&end=2026-11-30"
FULL_MOBILE = "13811111111"


def at(entry: AuditEntry, *moment: int) -> AuditEntry:
    """The entry as if written at that moment (Asia/Shanghai)."""
    when = dt.datetime(*moment, tzinfo=SHANGHAI)
    AuditEntry.objects.filter(pk=entry.pk).update(created_at=when)
    entry.created_at = when
    return entry


@pytest.fixture
def november(admin_user, support_user, make_connection):
    """Entries around November 2026 in Shanghai: three by the support user inside it, the others outside the
    filters (another month by a few minutes, another user)."""
    kingdee = make_connection("kingdee", name="精斗云 门店")
    at(
        audit_record(
            user=support_user, action=AuditAction.MEMBER_LOOKUP, target=FULL_MOBILE, details={"connections": [1]}
        ),
        2026,
        11,
        5,
        9,
        0,
    )
    at(audit_record(user=support_user, action=AuditAction.MEMBER_VIEW, target="M001", connection=kingdee), 2026, 11, 20)
    # Written before mobiles were masked in the log: the file must still not hold the full number.
    older = AuditEntry.objects.create(
        user=support_user,
        username=support_user.username,
        action=AuditAction.MOBILE_REVEALED,
        target="M002",
        connection=kingdee,
        details={"mobile": FULL_MOBILE},
    )
    at(older, 2026, 11, 30, 23, 30)  # 15:30 UTC: still November in Shanghai
    at(audit_record(user=support_user, action=AuditAction.MEMBER_VIEW, target="M003"), 2026, 12, 1, 0, 30)
    at(audit_record(user=support_user, action=AuditAction.MEMBER_VIEW, target="M004"), 2026, 10, 31, 23, 59)
    at(audit_record(user=admin_user, action=AuditAction.MEMBER_VIEW, target="M005"), 2026, 11, 10)
    return kingdee


def export(client, query: str, capture, file_format: str = "xlsx"):
    with capture(execute=True):
        return client.post(EXPORT + query, {"format": file_format})


def last_job() -> ExportJob:
    return ExportJob.objects.latest("pk")


def test_the_audit_log_shows_an_export_button_that_posts_the_filters_on_screen(admin_client, support_user, november):
    query = {"start": "2026-11-01", "end": "2026-11-30", "user": support_user.pk, "page": "1"}
    html = admin_client.get(reverse("audit_log"), query).content.decode()
    form = re.search(r'<form class="export-form" method="post" action="([^"]+)"', html)
    assert form is not None
    # The filters, not the page number: the file holds every page.
    assert form.group(1) == f"{EXPORT}?start=2026-11-01&amp;end=2026-11-30&amp;user={support_user.pk}"
    assert 'value="xlsx"' in html
    assert 'value="csv"' in html


def test_the_export_of_a_filtered_audit_log_holds_exactly_its_entries_in_chinese_sentences(
    admin_client, support_user, november, django_capture_on_commit_callbacks
):
    admin_client.post("/i18n/setlang/", {"language": "zh-hans"})
    response = export(
        admin_client, f"{NOVEMBER}&user={support_user.pk}", django_capture_on_commit_callbacks, file_format="xlsx"
    )
    job = last_job()
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.kind, job.status, job.rows_written, job.language) == (
        ExportKind.AUDIT_LOG,
        ExportStatus.DONE,
        3,
        "zh-hans",
    )
    created = AuditEntry.objects.get(action=AuditAction.EXPORT_CREATED)
    assert (created.username, created.details["what"], created.details["job"]) == ("admin", "audit_log", job.pk)

    download = admin_client.get(reverse("exports:download", args=[job.pk]))
    assert download.status_code == 200
    disposition = download["Content-Disposition"]
    assert unquote(re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)) == "审计日志-20261101-20261130.xlsx"
    assert re.search(r'filename="([^"]+)"', disposition).group(1) == "audit-log-20261101-20261130.xlsx"
    sheets = xlsx_rows(downloaded(download))
    assert list(sheets) == ["审计日志"]
    header, *rows = sheets["审计日志"]
    assert header == ["时间（Asia/Shanghai）", "用户", "操作", "操作内容", "对象", "供应商账号"]
    # Newest first, as on the page; the entries of December, October and of another user are not in it, nor is the
    # export's own "started" entry.
    assert rows == [
        [
            dt.datetime(2026, 11, 30, 23, 30),
            "support",
            "查看完整手机号",
            "查看了会员 M002 的完整手机号（138****1111）",
            "M002",
            "精斗云 门店",
        ],
        [dt.datetime(2026, 11, 20), "support", "查看会员详情", "打开了会员 M001 的页面", "M001", "精斗云 门店"],
        [
            dt.datetime(2026, 11, 5, 9),
            "support",
            "会员查询",
            "查询了 138****1111，询问了 1 个供应商账号",
            "138****1111",
            None,
        ],
    ]
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT_DOWNLOADED, details__job=job.pk).count() == 1


def test_the_csv_never_holds_a_full_mobile_and_filters_by_target_and_vendor_account(
    admin_client, november, django_capture_on_commit_callbacks
):
    # A full mobile typed in the target filter finds the entries that hold it masked, as on the page.
    export(admin_client, f"?target={FULL_MOBILE}", django_capture_on_commit_callbacks, file_format="csv")
    content = downloaded(admin_client.get(reverse("exports:download", args=[last_job().pk])))
    assert FULL_MOBILE.encode() not in content
    header, *rows = csv_rows(content)
    assert header == ["Time (Asia/Shanghai)", "User", "Action", "What happened", "Target"]
    sentence = "Looked up 138****1111, asked 1 connection"
    lookup = ["2026-11-05 09:00:00", "support", "Member lookup", sentence, "138****1111"]
    assert rows == [lookup]

    export(admin_client, f"?connection={november.pk}", django_capture_on_commit_callbacks, file_format="csv")
    content = downloaded(admin_client.get(reverse("exports:download", args=[last_job().pk])))
    assert FULL_MOBILE.encode() not in content
    assert [row[4] for row in csv_rows(content)[1:]] == ["M002", "M001"]
    assert last_job().connection_name == "精斗云 门店"


def test_filters_the_page_cannot_use_are_refused_and_nothing_is_made(admin_client, november):
    response = admin_client.post(EXPORT + "?start=2026-11-30&end=2026-11-01", {"format": "xlsx"})
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()
    assert admin_client.post(EXPORT + "?user=99999", {"format": "xlsx"}).status_code == 400
    assert not ExportJob.objects.exists()


def test_an_old_export_link_leads_back_to_the_audit_log(admin_client):
    response = admin_client.get(EXPORT + NOVEMBER)
    assert response.status_code == 302
    assert response["Location"] == reverse("audit_log") + "?start=2026-11-01&end=2026-11-30"


def test_only_whoever_may_read_the_audit_log_may_export_it(manager_client, support_client, november):
    for client in (manager_client, support_client):
        assert client.post(EXPORT + NOVEMBER, {"format": "xlsx"}).status_code == 403
    assert not ExportJob.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT_CREATED).exists()


def test_nobody_without_the_audit_log_downloads_an_export_of_it(
    admin_client, manager_user, manager_client, november, django_capture_on_commit_callbacks
):
    export(admin_client, NOVEMBER, django_capture_on_commit_callbacks)
    job = last_job()
    for name in ("exports:detail", "exports:download"):
        assert manager_client.get(reverse(name, args=[job.pk])).status_code == 403
    # Not even one a manager made while an admin: the file is the audit log's.
    ExportJob.objects.filter(pk=job.pk).update(owner=manager_user, owner_name=manager_user.username)
    assert manager_client.get(reverse("exports:download", args=[job.pk])).status_code == 403
    assert reverse("exports:detail", args=[job.pk]) not in manager_client.get(reverse("exports:list")).content.decode()
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT_DOWNLOADED).exists()


def test_the_audit_log_export_asks_no_vendor(admin_client, november, vendor_http, django_capture_on_commit_callbacks):
    export(admin_client, f"?connection={november.pk}", django_capture_on_commit_callbacks)
    assert last_job().status == ExportStatus.DONE
    assert len(vendor_http.calls) == 0
