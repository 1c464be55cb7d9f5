"""The sweep itself must be able to fail: a leaking response, log line or row is caught."""

from __future__ import annotations

import logging

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from tests import secret_sweep
from tests.conftest import TEST_CREDENTIALS

LEAKED = TEST_CREDENTIALS["kingdee"]["client_secret"]


@pytest.fixture
def forget_hits():
    before = len(secret_sweep.HITS)
    yield
    del secret_sweep.HITS[before:]


def test_a_secret_in_a_response_body_is_caught(forget_hits):
    before = len(secret_sweep.HITS)
    middleware = secret_sweep.ResponseRecorderMiddleware(lambda request: HttpResponse(f"oops {LEAKED}"))
    middleware(RequestFactory().get("/leak/"))
    assert len(secret_sweep.HITS) == before + 1
    assert "/leak/" in secret_sweep.HITS[-1]


def test_a_secret_in_a_streamed_response_is_caught(forget_hits):
    before = len(secret_sweep.HITS)
    middleware = secret_sweep.ResponseRecorderMiddleware(
        lambda request: StreamingHttpResponse(iter([b"a,", LEAKED.encode()]))
    )
    response = middleware(RequestFactory().get("/export.csv"))
    b"".join(response.streaming_content)
    assert len(secret_sweep.HITS) == before + 1


def test_a_secret_in_a_log_record_is_caught(forget_hits):
    before = len(secret_sweep.HITS)
    logging.getLogger("tests.leak").warning("token request with %s", LEAKED)
    assert len(secret_sweep.HITS) == before + 1


@pytest.mark.django_db
def test_a_plaintext_secret_in_the_database_is_caught(forget_hits, admin_user):
    before = len(secret_sweep.HITS)
    admin_user.first_name = LEAKED[:30]
    admin_user.save()
    secret_sweep.WATCHED_SECRETS.add(LEAKED[:30])
    try:
        secret_sweep.scan_database("self-test")
    finally:
        secret_sweep.WATCHED_SECRETS.discard(LEAKED[:30])
    assert len(secret_sweep.HITS) > before
