"""Every message id of ours has a Chinese translation: none empty, none fuzzy, none missing from the .po."""

from __future__ import annotations

import ast
import shutil
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

ZH_PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# The directories `make messages` leaves out (Makefile): not ours, or not shown to users.
IGNORED = [".venv/*", "tests/*", "bench/*", "sandbox/*"]

Key = tuple[str | None, str]


def po_entries(path: Path) -> dict[Key, tuple[list[str], set[str]]]:
    """(msgctxt, msgid) → (its msgstrs, its flags), read the way msgfmt reads a .po (obsolete #~ left out)."""
    entries: dict[Key, tuple[list[str], set[str]]] = {}
    fields: dict[str, str] = {}
    flags: set[str] = set()
    current = ""

    def finish() -> None:
        nonlocal fields, flags
        if fields.get("msgid"):
            strings = [value for name, value in fields.items() if name.startswith("msgstr")]
            entries[(fields.get("msgctxt"), fields["msgid"])] = (strings, flags)
        fields, flags = {}, set()

    def entry_complete() -> bool:
        return any(name.startswith("msgstr") for name in fields)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            if entry_complete():
                finish()
            flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith('"'):
            fields[current] += ast.literal_eval(line)
        elif line and not line.startswith("#"):
            name, _space, value = line.partition(" ")
            if name in ("msgctxt", "msgid") and entry_complete():
                finish()
            current = name
            fields[name] = ast.literal_eval(value)
    finish()
    return entries


def test_every_message_has_a_chinese_translation_that_is_not_fuzzy():
    entries = po_entries(ZH_PO)
    assert len(entries) > 100
    untranslated = [msgid for (_ctx, msgid), (strings, _flags) in entries.items() if not all(strings)]
    fuzzy = [msgid for (_ctx, msgid), (_strings, flags) in entries.items() if "fuzzy" in flags]
    assert untranslated == []
    assert fuzzy == []


def test_the_chinese_po_holds_every_message_of_the_sources(monkeypatch, settings):
    # makemessages into a copy: a message id the .po lacks comes back as a new entry, one the sources no longer
    # have is dropped (--no-obsolete). makemessages writes to the first of LOCALE_PATHS whose parent holds the
    # sources, so the copy lives in a hidden directory of the project (removed afterwards), and the real
    # locale/ is left out of the walk (a `locale` directory found there would be put first).
    scratch = Path(tempfile.mkdtemp(prefix=".makemessages-check-", dir=settings.BASE_DIR))
    try:
        copy = scratch / "zh_Hans" / "LC_MESSAGES" / "django.po"
        copy.parent.mkdir(parents=True)
        shutil.copy(ZH_PO, copy)
        settings.LOCALE_PATHS = [scratch]
        monkeypatch.chdir(settings.BASE_DIR)
        ignored = [*IGNORED, "locale", f"{scratch.name}/*"]
        call_command("makemessages", locale=["zh_Hans"], ignore_patterns=ignored, no_obsolete=True, verbosity=0)
        in_sources = set(po_entries(copy))
    finally:
        shutil.rmtree(scratch)
    in_po = set(po_entries(ZH_PO))
    assert sorted(in_sources - in_po, key=str) == [], "run `make messages` and translate the new entries"
    assert sorted(in_po - in_sources, key=str) == [], "entries the sources no longer use: run `make messages`"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('msgid "Save"\nmsgstr "保存"\n', {(None, "Save"): (["保存"], set())}),
        ('#, fuzzy\nmsgid "Save"\nmsgstr "保存"\n', {(None, "Save"): (["保存"], {"fuzzy"})}),
        ('msgctxt "role"\nmsgid "Admin"\nmsgstr ""\n', {("role", "Admin"): ([""], set())}),
        (
            'msgid "%(n)d row"\nmsgid_plural "%(n)d rows"\nmsgstr[0] ""\n"%(n)d 行"\n',
            {(None, "%(n)d row"): (["%(n)d 行"], set())},
        ),
    ],
)
def test_the_po_reader_sees_what_msgfmt_sees(tmp_path, text, expected):
    path = tmp_path / "django.po"
    path.write_text('msgid ""\nmsgstr "header"\n\n' + text, encoding="utf-8")
    assert po_entries(path) == expected
