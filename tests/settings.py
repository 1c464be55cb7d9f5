"""Test settings: the production settings with fixed throwaway keys and plain static storage.

DATABASE_URL and CACHE_URL still come from the environment, so the same suite runs on
SQLite + local memory and on PostgreSQL + Redis.
"""

import atexit
import os
import shutil
import tempfile

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
# Unit tests run huey tasks at once, in the test (end-to-end tests start a real consumer and switch this off).
os.environ.setdefault("HUEY_IMMEDIATE", "true")
# One key space, job queue and folder for exports per test run and xdist worker, so that a shared Redis is never
# cleared under another run and a consumer never takes another worker's jobs. Processes a test starts (a huey
# consumer) inherit them through the environment. The xdist controller imports these settings too, before it
# starts the workers: what they inherit from it is replaced, once, by their own.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
if os.environ.get("POINTSADMIN_TEST_WORKER") != _worker:
    _base_prefix = os.environ.setdefault(
        "POINTSADMIN_TEST_BASE_PREFIX", os.environ.get("CACHE_KEY_PREFIX") or f"pointsadmin-test-{os.getpid()}"
    )
    _test_dir = tempfile.mkdtemp(prefix=f"pointsadmin-test-{_worker}-")
    atexit.register(shutil.rmtree, _test_dir, ignore_errors=True)
    os.environ.update(
        POINTSADMIN_TEST_WORKER=_worker,
        POINTSADMIN_TEST_DIR=_test_dir,
        CACHE_KEY_PREFIX=f"{_base_prefix}-{_worker}",
        EXPORT_ROOT=os.path.join(_test_dir, "exports"),
        HUEY_SQLITE_FILE=os.path.join(_test_dir, "jobs.sqlite3"),
    )

from pointsadmin.settings import *  # noqa: E402, F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES = {
    **STORAGES,  # noqa: F405 # the export files' storage among them
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file rather than memory: end-to-end tests start a huey consumer that opens the same test database.
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(os.environ["POINTSADMIN_TEST_DIR"], "test.sqlite3")}  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
# Serve static files from the finders, as runserver does: no collectstatic before a test run.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The secret sweep (tests/secret_sweep.py) sees every response body.
MIDDLEWARE = [*MIDDLEWARE, "tests.secret_sweep.ResponseRecorderMiddleware"]  # noqa: F405
