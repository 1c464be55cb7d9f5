"""The filter forms: what they show is what they applied, without touching the request's query, and
to_query() asks the vendor for exactly that."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.http import QueryDict

from ledger import forms
from vendors.kingdee import KingdeeClient
from vendors.parsing import SHANGHAI
from vendors.results import Direction, HistoryQuery, LedgerQuery, RankingField, RankingQuery
from vendors.xiaoe import XiaoeClient


def test_the_form_shows_the_period_and_page_size_it_applied_and_leaves_the_request_alone():
    query = QueryDict("page_size=33&start=2025-05-01&period=7d")
    form = forms.HistoryFilterForm(query, profile=KingdeeClient.profile)

    assert form.is_valid()
    assert form["period"].value() == "7d"
    assert form["start"].value() is None  # a preset period wins over the dates sent with it
    assert form["page_size"].value() == "20"
    assert query.dict() == {"page_size": "33", "start": "2025-05-01", "period": "7d"}


def test_dates_without_a_period_are_a_custom_period():
    form = forms.HistoryFilterForm(QueryDict("start=2025-05-01&end=2025-05-31&page=3"), profile=KingdeeClient.profile)

    assert form.is_valid(), form.errors
    assert form["period"].value() == "custom"
    assert form.to_query() == HistoryQuery(
        start=datetime(2025, 5, 1, tzinfo=SHANGHAI),
        end=datetime(2025, 5, 31, 23, 59, 59, tzinfo=SHANGHAI),
        page=3,
        page_size=20,
    )


def test_a_direction_is_asked_of_a_vendor_that_filters_by_it():
    form = forms.HistoryFilterForm(QueryDict("period=today&direction=subtract"), profile=XiaoeClient.profile)

    assert form.is_valid(), form.errors
    today = forms.shanghai_today()
    assert form.to_query() == HistoryQuery(
        start=forms.day_start(today), end=forms.day_end(today), direction=Direction.SUBTRACT, page=1, page_size=20
    )


def test_the_shop_ledger_query_carries_the_member_filters():
    data = QueryDict("connection=4&period=7d&member_id=M001&mobile=13812345678&type_code=EX&page_size=50")
    form = forms.ShopLedgerForm(data, profile=KingdeeClient.profile, connection_choices=[(4, "Hangzhou")])

    assert form.is_valid(), form.errors
    query = form.to_query()
    assert isinstance(query, LedgerQuery)
    assert (query.member_id, query.mobile, query.type_code, query.page_size) == ("M001", "13812345678", "EX", 50)
    assert query.end - query.start == timedelta(days=7, seconds=-1)


def test_the_rankings_query_reads_sort_order_dates_and_pasted_ids():
    data = QueryDict("sort=available&order=asc&start=2024-01-01&end=2024-12-31&ids=a,b%EF%BC%8Ca&page=2")
    form = forms.RankingsForm(data, connection_choices=[(1, "Xiaoe")])
    form.setup_paging(XiaoeClient.profile.max_page_size)

    assert form.is_valid(), form.errors
    assert form.to_query() == RankingQuery(
        sort_field=RankingField.AVAILABLE,
        descending=False,
        member_ids=("a", "b"),
        first_earned_start=forms.day_start(date(2024, 1, 1)),
        first_earned_end=forms.day_end(date(2024, 12, 31)),
        page=2,
        page_size=20,
    )


def test_rankings_sort_by_total_highest_first_unless_told():
    form = forms.RankingsForm(QueryDict(""), connection_choices=[])
    form.setup_paging(100)

    assert form.is_valid(), form.errors
    query = form.to_query()
    assert (query.sort_field, query.descending, query.member_ids) == (RankingField.TOTAL, True, None)


def test_an_unknown_sort_is_refused():
    form = forms.RankingsForm(QueryDict("sort=name"), connection_choices=[])
    form.setup_paging(100)

    assert not form.is_valid()
    assert list(form.errors) == ["sort"]
