"""Production's static files storage answers each {% static %} URL once per process: the answers must be the
manifest storage's own, and a file missing from the manifest must fail every time, not only the first."""

from __future__ import annotations

import json

import pytest
from whitenoise.storage import CompressedManifestStaticFilesStorage

from pointsadmin.storage import StaticFilesStorage


@pytest.fixture
def manifest_dir(tmp_path):
    manifest = {"paths": {"css/app.css": "css/app.3f2a9c1b.css"}, "version": "1.1", "hash": "0"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest), encoding="utf-8")
    return tmp_path


def test_urls_are_the_hashed_names_of_the_manifest(manifest_dir, settings):
    settings.DEBUG = False
    storage = StaticFilesStorage(location=manifest_dir, base_url="/static/")
    stock = CompressedManifestStaticFilesStorage(location=manifest_dir, base_url="/static/")
    for _ in range(2):  # the second answer comes from the process's copy
        assert storage.url("css/app.css") == stock.url("css/app.css") == "/static/css/app.3f2a9c1b.css"


def test_a_file_missing_from_the_manifest_fails_every_time(manifest_dir, settings):
    settings.DEBUG = False
    storage = StaticFilesStorage(location=manifest_dir, base_url="/static/")
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")
