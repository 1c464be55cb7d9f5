"""ResultPage: the paging a list page offers from what the vendor said about its total."""

from __future__ import annotations

import pytest

from vendors.results import ResultPage


@pytest.mark.parametrize(
    ("items", "page", "total", "count", "previous", "next_"),
    [
        (20, 1, 95, 5, False, True),
        (15, 5, 95, 5, True, False),
        (0, 1, 0, 1, False, False),
        # No total: "next" while pages are full.
        (20, 3, None, None, True, True),
        (7, 3, None, None, True, False),
    ],
)
def test_paging_follows_the_total_or_else_full_pages(items, page, total, count, previous, next_):
    result = ResultPage(tuple(range(items)), page, 20, total)
    assert result.page_count == count
    assert result.has_previous is previous
    assert result.has_next is next_


def test_an_empty_page_past_the_end_is_not_nothing_found_and_leads_back_to_the_last_page():
    beyond = ResultPage((), 9, 20, 95)
    assert beyond.beyond_last_page
    assert beyond.previous_page == 5
    assert not ResultPage((), 1, 20, 0).beyond_last_page
    assert ResultPage((1,), 3, 20, 95).previous_page == 2
