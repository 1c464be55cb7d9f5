"""Test settings: the production settings with fixed throwaway keys and plain static storage.

DATABASE_URL and CACHE_URL still come from the environment, so the same suite runs on
SQLite + local memory and on PostgreSQL + Redis.
"""

import os

# Tests never read a developer's demo .env, and never take DEBUG from anywhere.
os.environ.setdefault("POINTSADMIN_DOTENV", "")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-used-anywhere-else")
# Two throwaway Fernet keys (newest first), so tests can exercise decrypt-with-old-key and rotation.
os.environ.setdefault(
    "FIELD_ENCRYPTION_KEYS",
    "dGVzdHMtb25seS1mZXJuZXQta2V5LW51bWJlci0wMDE=,dGVzdHMtb25seS1mZXJuZXQta2V5LW51bWJlci0wMDI=",
)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# The sandbox listens on 127.0.0.1 (also for the processes a test starts); the tests of the refusal turn it off.
os.environ.setdefault("VENDOR_ALLOW_PRIVATE_HOSTS", "true")
# One key space per test run (and xdist worker), so a shared Redis is never cleared under another run;
# processes a test starts inherit it through the environment.
os.environ.setdefault(
    "CACHE_KEY_PREFIX", f"pointsadmin-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"
)

from pointsadmin.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
# Serve static files from the finders, as runserver does: no collectstatic before a test run.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The secret sweep (tests/secret_sweep.py) sees every response body.
MIDDLEWARE = [*MIDDLEWARE, "tests.secret_sweep.ResponseRecorderMiddleware"]  # noqa: F405
