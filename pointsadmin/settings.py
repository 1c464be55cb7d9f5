"""Settings, all read from the environment (django-environ, optional `.env` beside manage.py).

With no environment at all the project runs on SQLite and the local-memory cache. `DATABASE_URL`
and `CACHE_URL` (or `REDIS_URL`) switch to PostgreSQL and Redis; tokens, rate limits and caches are
then shared by every worker and host because they live in that cache.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import environ
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A `.env` beside manage.py (the demo writes one); POINTSADMIN_DOTENV names another file, or "" for none.
_dotenv = os.environ.get("POINTSADMIN_DOTENV", str(BASE_DIR / ".env"))
if _dotenv and Path(_dotenv).is_file():
    environ.Env.read_env(_dotenv, overwrite=False)

DEBUG = env.bool("DEBUG", default=False)


def _required_secret(name: str, throwaway: str) -> str:
    """A secret from the environment; only DEBUG may fall back to a throwaway value."""
    value = env.str(name, default="")
    if value:
        return value
    if not DEBUG:
        raise ImproperlyConfigured(f"{name} is not set: production (DEBUG=False) needs it in the environment.")
    return throwaway


SECRET_KEY = _required_secret("SECRET_KEY", "django-insecure-throwaway-" + Fernet.generate_key().decode())
# Comma-separated Fernet keys, newest first: the first encrypts, all decrypt (see connections/fields.py).
FIELD_ENCRYPTION_KEYS = [
    key.strip()
    for key in _required_secret("FIELD_ENCRYPTION_KEYS", Fernet.generate_key().decode()).split(",")
    if key.strip()
]
for _position, _key in enumerate(FIELD_ENCRYPTION_KEYS, start=1):
    try:
        Fernet(_key)
    except ValueError:
        # Names the position, never the key itself.
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
# A kept connection that the server dropped (a restart, a failover) is replaced before a page uses it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

_cache_url = env.str("CACHE_URL", default="") or env.str("REDIS_URL", default="")
if _cache_url:
    CACHES = {"default": env.cache_url_config(_cache_url)}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pointsadmin"}}
CACHES["default"].setdefault("KEY_PREFIX", env.str("CACHE_KEY_PREFIX", default="pointsadmin"))
CACHES["sessions"] = dict(CACHES["default"])  # the same cache, for SESSION_CACHE_ALIAS
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Django's RedisCache with one connection pool per process. With Redis down the default cache raises
    # CacheUnavailable (a vendor panel says so) and the session cache misses, so that sessions come from the
    # database (pointsadmin/cache.py).
    _redis_options = {**CACHES["default"].get("OPTIONS", {}), "pool_class": "pointsadmin.cache.SharedConnectionPool"}
    CACHES["default"] |= {"BACKEND": "pointsadmin.cache.RedisCache", "OPTIONS": _redis_options}
    CACHES["sessions"] |= {"BACKEND": "pointsadmin.cache.SessionRedisCache", "OPTIONS": _redis_options}

# Sessions are read from the cache and written through to the database (Django's cached_db engine).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "sessions"
# Messages ("connection saved") live in the session: Django's default also tries a signed cookie first, and builds
# its signer on every request.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

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

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "ledger:member_search"
LOGOUT_REDIRECT_URL = "login"

# Brute force: 5 failures lock that username + IP for a while (django-axes, stored in the database so
# that every worker and host sees the same count).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "pointsadmin.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Attempts while locked out are refused without being counted: the lockout ends AXES_COOLOFF_MINUTES after it began.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The client's address (django-ipware): REMOTE_ADDR, or behind a reverse proxy the header it sets, read past the
# AXES_IPWARE_PROXY_COUNT addresses our own proxies append, so that a forged header cannot escape the lockout
# (README, "Deploying").
AXES_IPWARE_META_PRECEDENCE_ORDER = env.list("AXES_IPWARE_META_PRECEDENCE_ORDER", default=["REMOTE_ADDR"])
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=None)
# A header longer than the proxy count (a client's own X-Forwarded-For in front) is read from the right, not
# dropped: dropped, the request would fall back to the proxy's address, one lockout for every forger.
IPWARE_STRICT = False

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
# Our own zh_Hans number format (pointsadmin/formats): thousands grouped by three, as in the vendors' consoles.
FORMAT_MODULE_PATH = ["pointsadmin.formats"]
USE_I18N = True
USE_TZ = True

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
WHITENOISE_USE_FINDERS = DEBUG

# Background jobs (exports/) run on huey; `manage.py run_huey` is the consumer. With Redis (CACHE_URL or REDIS_URL)
# every consumer on every host takes from one queue there; without it the queue is a SQLite file beside the
# database. The queue is named after CACHE_KEY_PREFIX, so deployments (or test runs) sharing a Redis never share jobs.
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
    _database_file = Path(DATABASES["default"]["NAME"]) if "sqlite" in DATABASES["default"]["ENGINE"] else None
    _queue_file = _database_file.with_name(_database_file.stem + "-jobs.sqlite3") if _database_file else None
    # Beside the SQLite database, or in the project's folder (as db.sqlite3): a folder that exists, since the queue
    # is opened when Django starts (manage.py check with PostgreSQL and no Redis too).
    HUEY_SQLITE_FILE = env.path("HUEY_SQLITE_FILE", default=_queue_file or BASE_DIR / "db-jobs.sqlite3")
    HUEY = {**_huey_common, "huey_class": "huey.SqliteHuey", "filename": str(HUEY_SQLITE_FILE)}

# Export files: private, through Django's storage API, in a folder that is served neither as static nor as media.
EXPORT_ROOT = env.path("EXPORT_ROOT", default=BASE_DIR / "var" / "exports")
STORAGES["exports"] = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": EXPORT_ROOT}}
EXPORT_FILE_DAYS = env.int("EXPORT_FILE_DAYS", default=7)
# Pages of one job fetched at once, and of one connection across every job (exports/throttle.py).
EXPORT_JOB_CONCURRENCY = env.int("EXPORT_JOB_CONCURRENCY", default=4)
EXPORT_CONNECTION_CONCURRENCY = env.int("EXPORT_CONNECTION_CONCURRENCY", default=6)
# The share of a vendor's rate limit that exports may use: the rest is always left to the pages people wait on.
EXPORT_RATE_SHARE = env.float("EXPORT_RATE_SHARE", default=0.5)
# A page the vendor fails is tried this many times, the pauses doubling from the backoff, before the job fails.
EXPORT_PAGE_ATTEMPTS = env.int("EXPORT_PAGE_ATTEMPTS", default=5)
EXPORT_RETRY_BACKOFF_SECONDS = env.float("EXPORT_RETRY_BACKOFF_SECONDS", default=2.0)
# A running job renews its lease as it goes; one whose lease ran out (its consumer died) is resumed by another.
EXPORT_LEASE_SECONDS = env.int("EXPORT_LEASE_SECONDS", default=60)
# The export button waits this long for a small job to finish, and then leads straight to the file.
EXPORT_QUICK_SECONDS = env.float("EXPORT_QUICK_SECONDS", default=1.5)
WHITENOISE_AUTOREFRESH = DEBUG

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Production hardening; `manage.py check --deploy` is clean with DEBUG=False.
# PLAIN_HTTP_TRUSTED_NETWORK: served over plain HTTP on a trusted network, where a browser would drop Secure
# cookies (and so refuse every login on the CSRF check) and the redirect to https would lead nowhere.
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
# A refused POST (an old form, cookies blocked) gets our page, in the user's language.
CSRF_FAILURE_VIEW = "pointsadmin.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No inline script or style anywhere (htmx's indicator style is ours, in app.css; no hx-on): 'self' only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Vendor sandbox (sandbox/): the demo points its connections here.
SANDBOX_URL = env.str("SANDBOX_URL", default="http://127.0.0.1:8765")
# Vendor base URLs on private or loopback addresses (intranet vendors, the sandbox): off, so that an edited
# base URL cannot aim stored secrets at an internal service (connections/addresses.py).
VENDOR_ALLOW_PRIVATE_HOSTS = env.bool("VENDOR_ALLOW_PRIVATE_HOSTS", default=False)

# Timezone in which vendors express naive times ("yyyy-MM-dd HH:mm:ss"): they are Chinese services.
VENDOR_TIME_ZONE = "Asia/Shanghai"

PRODUCT_NAME = _("Points Admin")

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
