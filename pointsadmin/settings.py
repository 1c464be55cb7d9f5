"""Settings, all read from the environment (README, "Settings"); with none, SQLite and the local-memory cache."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import environ
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A `.env` beside manage.py (the demo writes one); POINTSADMIN_DOTENV names another file, or "" for none.
_dotenv = os.environ.get("POINTSADMIN_DOTENV", str(BASE_DIR / ".env"))
if _dotenv and Path(_dotenv).is_file():
    environ.Env.read_env(_dotenv, overwrite=False)

DEBUG = env.bool("DEBUG", default=False)


def _required_secret(name: str, throwaway: str) -> str:
    value = env.str(name, default="")
    if value:
        return value
    if not DEBUG:
        raise ImproperlyConfigured(f"{name} is not set: production (DEBUG=False) needs it in the environment.")
    return throwaway


SECRET_KEY = _required_secret("SECRET_KEY", "django-insecure-throwaway-" + Fernet.generate_key().decode())
# Comma-separated Fernet keys, newest first: the first encrypts, all decrypt (connections/fields.py).
_listed_keys = _required_secret("FIELD_ENCRYPTION_KEYS", Fernet.generate_key().decode())
FIELD_ENCRYPTION_KEYS = [key.strip() for key in _listed_keys.split(",") if key.strip()]
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS holds no key.")
for _position, _key in enumerate(FIELD_ENCRYPTION_KEYS, start=1):
    try:
        Fernet(_key)
    except ValueError:
        raise ImproperlyConfigured(
            f"FIELD_ENCRYPTION_KEYS: key {_position} is not a Fernet key (32 url-safe base64-encoded bytes)."
        ) from None

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "pointsadmin.apps.PointsAdminConfig",
    "connections",
    "ledger",
    "audit",
    "accounts",
    "huey.contrib.djhuey",
    "exports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "pointsadmin.headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "pointsadmin.logging.RequestLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pointsadmin.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that a locked-out login is answered by axes after authentication ran.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pointsadmin.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pointsadmin.context_processors.user_menu",
            ],
        },
    },
]

WSGI_APPLICATION = "pointsadmin.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # a connection the server dropped is replaced before use

_cache_url = env.str("CACHE_URL", default="") or env.str("REDIS_URL", default="")
CACHES = {"default": env.cache_url_config(_cache_url or "locmemcache://pointsadmin")}
CACHES["default"].setdefault("KEY_PREFIX", env.str("CACHE_KEY_PREFIX", default="pointsadmin"))
CACHES["sessions"] = dict(CACHES["default"])  # the same cache, for SESSION_CACHE_ALIAS
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # With Redis down, a vendor panel says so and sessions come from the database (pointsadmin/cache.py).
    _redis_options = {**CACHES["default"].get("OPTIONS", {}), "pool_class": "pointsadmin.cache.SharedConnectionPool"}
    CACHES["default"] |= {"BACKEND": "pointsadmin.cache.RedisCache", "OPTIONS": _redis_options}
    CACHES["sessions"] |= {"BACKEND": "pointsadmin.cache.SessionRedisCache", "OPTIONS": _redis_options}

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "sessions"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_REDIRECT_URL = "ledger:member_search"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "pointsadmin.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The lockout ends AXES_COOLOFF_MINUTES after it began, however often a locked-out user tries.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Behind a reverse proxy: its header, read past our proxies' addresses, so a forged one cannot escape (README).
AXES_IPWARE_META_PRECEDENCE_ORDER = env.list("AXES_IPWARE_META_PRECEDENCE_ORDER", default=["REMOTE_ADDR"])
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=None)
# A longer header (the client's own X-Forwarded-For in front) is read from the right, not dropped for REMOTE_ADDR.
IPWARE_STRICT = False

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
FORMAT_MODULE_PATH = ["pointsadmin.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Export jobs (`manage.py run_huey`): one queue in Redis for every host, else a SQLite file beside the database.
HUEY_QUEUE_NAME = env.str("HUEY_QUEUE_NAME", default=f"{CACHES['default']['KEY_PREFIX']}-jobs")
_huey_common = {
    "name": HUEY_QUEUE_NAME,
    "immediate": env.bool("HUEY_IMMEDIATE", default=False),
    "results": False,  # tasks report through their ExportJob row, not huey's result store
    "consumer": {"workers": env.int("HUEY_WORKERS", default=2), "worker_type": "thread"},
}
if _cache_url.startswith(("redis://", "rediss://")):
    HUEY = {**_huey_common, "huey_class": "huey.RedisHuey", "url": _cache_url}
else:
    _sqlite = "sqlite" in DATABASES["default"]["ENGINE"]
    _database_file = Path(DATABASES["default"]["NAME"]) if _sqlite else BASE_DIR / "db.sqlite3"
    _queue_file = _database_file.with_name(f"{_database_file.stem}-jobs.sqlite3")
    HUEY_SQLITE_FILE = env.path("HUEY_SQLITE_FILE", default=_queue_file)
    HUEY = {**_huey_common, "huey_class": "huey.SqliteHuey", "filename": str(HUEY_SQLITE_FILE)}

# Export files: private, in a folder that is never served.
EXPORT_ROOT = env.path("EXPORT_ROOT", default=BASE_DIR / "var" / "exports")
STORAGES["exports"] = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": EXPORT_ROOT}}
EXPORT_FILE_DAYS = env.int("EXPORT_FILE_DAYS", default=7)
EXPORT_JOB_CONCURRENCY = env.int("EXPORT_JOB_CONCURRENCY", default=4)
EXPORT_CONNECTION_CONCURRENCY = env.int("EXPORT_CONNECTION_CONCURRENCY", default=6)
EXPORT_RATE_SHARE = env.float("EXPORT_RATE_SHARE", default=0.5)
EXPORT_PAGE_ATTEMPTS = env.int("EXPORT_PAGE_ATTEMPTS", default=5)
EXPORT_RETRY_BACKOFF_SECONDS = env.float("EXPORT_RETRY_BACKOFF_SECONDS", default=2.0)
EXPORT_LEASE_SECONDS = env.int("EXPORT_LEASE_SECONDS", default=60)
# The export button waits this long for a small job to finish, and then leads straight to the file.
EXPORT_QUICK_SECONDS = env.float("EXPORT_QUICK_SECONDS", default=1.5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Plain HTTP on a trusted network: a browser drops Secure cookies over HTTP, and every login would fail its CSRF check.
PLAIN_HTTP_TRUSTED_NETWORK = env.bool("PLAIN_HTTP_TRUSTED_NETWORK", default=False)
_https = not DEBUG and not PLAIN_HTTP_TRUSTED_NETWORK
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=True) else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_https)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
SECURE_HSTS_PRELOAD = _https
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=_https)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=_https)
CSRF_FAILURE_VIEW = "pointsadmin.views.csrf_failure"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
# No inline script or style anywhere (htmx's indicator style is ours, in app.css; no hx-on).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

SANDBOX_URL = env.str("SANDBOX_URL", default="http://127.0.0.1:8765")
# Off, so that an edited vendor base URL cannot aim stored secrets at an internal service (connections/addresses.py).
VENDOR_ALLOW_PRIVATE_HOSTS = env.bool("VENDOR_ALLOW_PRIVATE_HOSTS", default=False)

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "pointsadmin.logging.RedactSecretsFilter"}},
    "formatters": {"json": {"()": "pointsadmin.logging.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["redact_secrets"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Our request log already has one line per request; Django's would double it.
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
    },
}
