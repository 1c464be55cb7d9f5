"""An encrypted JSON field on MultiFernet: the first of settings.FIELD_ENCRYPTION_KEYS encrypts, every key
decrypts, and a value no key can open raises DecryptionFailed (never returned as ciphertext)."""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


class DecryptionFailed(Exception):
    """No configured key opens this value (wrong or missing FIELD_ENCRYPTION_KEYS)."""


def multi_fernet() -> MultiFernet:
    # settings.py refuses to start without a key, or with one that is not a Fernet key.
    return MultiFernet([Fernet(key) for key in settings.FIELD_ENCRYPTION_KEYS])


class EncryptedJSONField(models.TextField):
    """Stores a JSON-serialisable value as a Fernet token; the database never sees plaintext."""

    description = "JSON encrypted with MultiFernet"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if not value:
            return None
        try:
            return json.loads(multi_fernet().decrypt(value.encode()))
        except InvalidToken:
            raise DecryptionFailed("No key in FIELD_ENCRYPTION_KEYS can decrypt this value.") from None

    def to_python(self, value: Any) -> Any:
        return value

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return multi_fernet().encrypt(json.dumps(value, ensure_ascii=False, sort_keys=True).encode()).decode()

    def value_to_string(self, obj: models.Model) -> str:
        # dumpdata and serializers get ciphertext, never the secret.
        return self.get_prep_value(self.value_from_object(obj)) or ""
