"""Credentials at rest: ciphertext only, key rotation keeps every connection usable, a wrong key fails loudly."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection as db
from django.db.models import TextField, Value
from django.urls import reverse
from django.utils import translation

from audit.models import AuditAction, AuditEntry
from connections.clients import connection_client
from connections.fields import DecryptionFailed
from connections.models import VendorConnection
from tests.conftest import TEST_CREDENTIALS

pytestmark = pytest.mark.django_db


def raw_credentials() -> dict[int, str]:
    """The credentials column as the database holds it, read with plain SQL."""
    table = db.ops.quote_name(VendorConnection._meta.db_table)
    with db.cursor() as cursor:
        cursor.execute(f"SELECT id, credentials FROM {table} ORDER BY id")  # noqa: S608 - our own table name
        return dict(cursor.fetchall())


def make_all(make_connection) -> list[VendorConnection]:
    return [make_connection(vendor) for vendor in TEST_CREDENTIALS]


def test_the_column_holds_no_plaintext_credential(admin_client, form_data):
    for vendor in TEST_CREDENTIALS:
        admin_client.post(reverse("connections:create", args=[vendor]), form_data(vendor))
    raw = raw_credentials()
    assert len(raw) == 3
    for text in raw.values():
        assert text.startswith("gAAAAA")  # a Fernet token
        for credentials in TEST_CREDENTIALS.values():
            for key, value in credentials.items():
                # Not the values, secret or not, and not even the key names.
                assert value not in text
                assert key not in text


def test_rotation_rewrites_every_row_and_keeps_every_connection_usable(settings, make_connection, admin_client):
    connections = make_all(make_connection)
    before = raw_credentials()
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *settings.FIELD_ENCRYPTION_KEYS]

    out = StringIO()
    with translation.override("en"):
        call_command("rotate_encryption_key", stdout=out)

    assert "Rewrote 3 connection(s)" in out.getvalue()
    after = raw_credentials()
    assert all(after[pk] != before[pk] for pk in before)
    # Only the new key is left: every connection still opens, gives a client, lists and edits.
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    for connection in connections:
        fresh = VendorConnection.objects.get(pk=connection.pk)
        assert fresh.credentials == TEST_CREDENTIALS[fresh.vendor]
        assert dict(connection_client(fresh).config.credentials) == TEST_CREDENTIALS[fresh.vendor]
        assert admin_client.get(reverse("connections:edit", args=[fresh.pk])).status_code == 200
    entry = AuditEntry.objects.get(action=AuditAction.KEYS_ROTATED)
    assert entry.details["rewritten"] == 3
    assert entry.details["via"].startswith("manage.py rotate_encryption_key")


def test_a_second_rotation_has_nothing_to_rewrite(settings, make_connection):
    make_all(make_connection)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.FIELD_ENCRYPTION_KEYS]
    call_command("rotate_encryption_key", stdout=StringIO())
    before = raw_credentials()
    out = StringIO()
    with translation.override("en"):
        call_command("rotate_encryption_key", stdout=out)
    assert "Rewrote 0 connection(s) with the newest key; 3 already used it." in out.getvalue()
    assert raw_credentials() == before


def test_rows_written_under_an_older_key_are_rotated_too(settings, make_connection):
    newest, older = settings.FIELD_ENCRYPTION_KEYS[:2]
    settings.FIELD_ENCRYPTION_KEYS = [older]
    connection = make_connection("xiaoe")
    settings.FIELD_ENCRYPTION_KEYS = [newest, older]
    call_command("rotate_encryption_key", stdout=StringIO())
    settings.FIELD_ENCRYPTION_KEYS = [newest]
    assert VendorConnection.objects.get(pk=connection.pk).credentials == TEST_CREDENTIALS["xiaoe"]


def test_a_value_no_key_opens_raises_and_never_returns_ciphertext(settings, make_connection):
    connection = make_connection("kingdee")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(DecryptionFailed):
        VendorConnection.objects.get(pk=connection.pk)
    with pytest.raises(DecryptionFailed):
        list(VendorConnection.objects.values_list("credentials", flat=True))


def test_rotation_with_an_unreadable_row_changes_nothing(settings, make_connection):
    make_all(make_connection)
    stranger = Fernet(Fernet.generate_key()).encrypt(b'{"appid": "x"}').decode()
    last = VendorConnection.objects.order_by("pk").last()
    VendorConnection.objects.filter(pk=last.pk).update(credentials=Value(stranger, output_field=TextField()))
    before = raw_credentials()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.FIELD_ENCRYPTION_KEYS]

    with pytest.raises(CommandError) as raised, translation.override("en"):
        call_command("rotate_encryption_key", stdout=StringIO())

    message = str(raised.value)
    assert f"Connection {last.pk}" in message
    assert "Nothing was changed." in message
    assert "\n" not in message
    assert raw_credentials() == before
    assert not AuditEntry.objects.filter(action=AuditAction.KEYS_ROTATED).exists()


def test_a_connection_no_key_opens_is_a_one_line_command_error(settings, make_connection):
    connection = make_connection("xinyue")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    for action in ("show", "test"):
        with pytest.raises(CommandError, match="cannot be decrypted with any key"), translation.override("en"):
            call_command("connection", action, str(connection.pk), stdout=StringIO())


def test_pages_say_plainly_when_no_key_opens_a_connection(settings, make_connection, admin_client, caplog):
    connection = make_connection("kingdee", name="Locked")
    raw = raw_credentials()[connection.pk]
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    edit = admin_client.get(reverse("connections:edit", args=[connection.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert edit.status_code == 500
    assert "cannot be decrypted with the configured encryption keys" in edit.content.decode()
    assert raw not in edit.content.decode()

    test = admin_client.post(
        reverse("connections:test", args=[connection.pk]), HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert test.status_code == 200  # htmx 2 swaps only 2xx replies
    assert f'id="test-result-{connection.pk}"' in test.content.decode()
    assert "cannot be decrypted" in test.content.decode()
    assert "cannot be decrypted" in caplog.text

    # The list, disabling and deleting never need the credentials: an admin can still clean up.
    listing = admin_client.get(reverse("connections:list"))
    assert listing.status_code == 200
    assert "Locked" in listing.content.decode()
    assert admin_client.post(reverse("connections:delete", args=[connection.pk])).status_code == 302
    assert not VendorConnection.objects.exists()
