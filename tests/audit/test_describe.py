"""Audit entries read as sentences in the reader's language, never as the recorded key=value details."""

# ruff: noqa: RUF001 - Chinese sentences use full-width commas

from __future__ import annotations

import pytest
from django.utils import translation

from audit.describe import describe_entry
from audit.models import AuditAction, AuditEntry


def entry(action: str, target: str = "", **details: object) -> AuditEntry:
    return AuditEntry(action=action, target=target, details=details)


@pytest.mark.parametrize(
    ("made", "english", "chinese"),
    [
        (
            entry(AuditAction.MEMBER_LOOKUP, "138****1111", connections=[3, 4, 2, 1]),
            "Looked up 138****1111, asked 4 connections",
            "查询了 138****1111，询问了 4 个供应商账号",
        ),
        (
            entry(AuditAction.MEMBER_LOOKUP, "M001", connections=[3]),
            "Looked up M001, asked 1 connection",
            "查询了 M001，询问了 1 个供应商账号",
        ),
        (
            entry(AuditAction.RANKINGS_VIEW, sort="total", descending=True, page=2),
            "Viewed the rankings, highest total points first, page 2",
            "查看了积分排行，总积分从高到低，第 2 页",
        ),
        (
            entry(AuditAction.MEMBER_VIEW, "M001", page=1),
            "Opened the page of member M001",
            "打开了会员 M001 的页面",
        ),
        (
            entry(AuditAction.MEMBER_VIEW, "M001", chart=True, rows=47),
            "Drew the chart of member M001, from 47 records",
            "绘制了会员 M001 的图表，根据 47 条记录",
        ),
        (
            entry(AuditAction.EXPORT, "M001", what="member_history", start="2026-11-01", end="2026-11-30"),
            "Exported the points history of member M001, 2026-11-01 to 2026-11-30",
            "导出了会员 M001 的积分明细，2026-11-01 至 2026-11-30",
        ),
        (
            entry(AuditAction.EXPORT_CREATED, "M001", job=7, start="2026-11-01", end="2026-11-30"),
            "Started export job #7, M001, 2026-11-01 to 2026-11-30",
            "开始了导出任务 #7，M001，2026-11-01 至 2026-11-30",
        ),
        (
            entry(AuditAction.EXPORT_DOWNLOADED, job=7, rows=1200, partial=True),
            "Downloaded export job #7, 1200 rows, incomplete",
            "下载了导出任务 #7，1200 行，不完整",
        ),
        (
            entry(AuditAction.EXPORT_CANCELLED, job=7, rows=1),
            "Cancelled export job #7, after 1 row",
            "取消了导出任务 #7，已写 1 行",
        ),
        (
            entry(AuditAction.CONNECTION_CHANGED, "精斗云 门店", changed=["name", "credentials.client_secret"]),
            "Changed name, client_secret of connection 精斗云 门店",
            "修改了供应商账号 精斗云 门店 的名称、client_secret",
        ),
        (
            entry(AuditAction.USER_ROLE_CHANGED, "alice", **{"from": "Support", "to": "Manager"}),
            "Changed the role of alice from Support to Manager",
            "将 alice 的角色从客服改为经理",
        ),
    ],
)
def test_entries_read_as_sentences(made, english, chinese):
    with translation.override("en"):
        assert describe_entry(made) == english
    with translation.override("zh-hans"):
        assert describe_entry(made) == chinese


def test_an_action_this_code_does_not_know_shows_its_name_and_target():
    assert describe_entry(entry("something_new", "M9")) == "something_new M9"


def test_an_older_entry_without_details_still_reads_as_a_sentence():
    with translation.override("en"):
        assert describe_entry(entry(AuditAction.MEMBER_LOOKUP, "M001")) == "Looked up M001"
        assert describe_entry(entry(AuditAction.RANKINGS_VIEW)) == "Viewed the rankings"
