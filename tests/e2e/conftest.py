"""Fixtures of the end-to-end tests against the sandbox."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse


@pytest.fixture
def export_csv(settings, django_capture_on_commit_callbacks) -> Callable[[Client, str, dict[str, str]], list[dict]]:
    """export_csv(client, export_url, filters): the rows (by column header) of the CSV that the page's export
    button gives for these filters. The job runs in huey's immediate mode, after the request's transaction (the
    exports' own end-to-end tests run a real consumer)."""
    from exports.models import ExportJob

    settings.EXPORT_QUICK_SECONDS = 0

    def export(client: Client, url: str, filters: dict[str, str]) -> list[dict]:
        with django_capture_on_commit_callbacks(execute=True):
            started = client.post(f"{url}?{urlencode(filters)}", {"format": "csv"})
        assert started.status_code == 302, started.content[:500]
        job = ExportJob.objects.latest("pk")
        assert job.status == "done", job.error_message
        response = client.get(reverse("exports:download", args=[job.pk]))
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text)))

    return export
