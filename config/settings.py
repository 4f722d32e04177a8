"""One settings module, driven by the environment.

Development and tests need nothing set: an embedded PostgreSQL and Redis are started (config/embedded.py).
Production (DEBUG unset/false) refuses to start without a real SECRET_KEY.
"""

import os
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.logconfig import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
TESTING = "pytest" in sys.modules or os.environ.get("YIZHAN_TESTING") == "1"


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Embedded services (no DATABASE_URL given, or inherited from a parent that started them) mean a
# developer machine, so DEBUG defaults on there and off everywhere else.
EMBEDDED = not os.environ.get("DATABASE_URL") or os.environ.get("YIZHAN_EMBEDDED") == "1"
DEBUG = env_bool("DEBUG", default=EMBEDDED)

_DEV_SECRET = "dev-insecure-yizhan-secret-key-change-me"
SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET if (DEBUG or TESTING) else "")
if not DEBUG and not TESTING and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of 50+ characters in production.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_DOMAIN = os.environ.get("SITE_DOMAIN", urlparse(SITE_URL).hostname or "yizhan.local")

if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
    from config.embedded import ensure_services

    ensure_services()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "livestreams",
    "jobs",
    "coaching",
    "invites",
    "django_htmx",
    "anymail",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.ApiJsonErrorsMiddleware",
    "core.middleware.HostileRequestMiddleware",  # NUL in query strings → 400, oversized bodies → 413
    "core.middleware.StyledErrorPagesMiddleware",  # styled 403/404/500 also with DEBUG on
]
# With DEBUG on, error pages are the styled ones users see; set DEBUG_TECHNICAL_ERRORS=1 for Django's
# debug pages (traceback, URL patterns). 500 tracebacks are logged either way.
DEBUG_TECHNICAL_ERRORS = env_bool("DEBUG_TECHNICAL_ERRORS", default=False)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/accounts/home/"  # each role lands on the page it works from
LOGOUT_REDIRECT_URL = "/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.nav.nav",
            ],
        },
    },
]

# --- Database: PostgreSQL only ---------------------------------------------------------------
DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Yizhan supports PostgreSQL only (DATABASE_URL=postgres://…).")
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME", "test_yizhan")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if TESTING:
    # Creating users is the slowest part of many tests; the hash strength is irrelevant there.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Redis: broker, live counters, locks. Tests use their own logical DB. -----------------------
def _redis_url_with_db(url: str, db: int) -> str:
    parsed = urlparse(url)
    if parsed.scheme == "unix":
        query = parse_qs(parsed.query)
        query["db"] = [str(db)]
        return f"unix://{parsed.path}?{urlencode(query, doseq=True)}"
    return parsed._replace(path=f"/{db}").geturl()


REDIS_DB = int(os.environ.get("REDIS_DB", "1" if TESTING else "0"))
REDIS_URL = _redis_url_with_db(os.environ["REDIS_URL"], REDIS_DB)


def _celery_broker_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme == "unix":  # kombu spells unix sockets redis+socket://
        db = parse_qs(parsed.query).get("db", ["0"])[0]
        return f"redis+socket://{parsed.path}?virtual_host={db}"
    return url


CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "yizhan",
        # A Redis that accepts connections but never answers must not hang requests (or /healthz).
        "OPTIONS": {"socket_timeout": 5, "socket_connect_timeout": 2},
    }
}
# Seconds a gunicorn process answers a repeated live stats poll from memory (same credential and
# session: no PostgreSQL, no Redis; livestreams/live/stats.py). 0 switches it off; tests switch it on
# where they check it, so that the others read fresh counters after every batch.
LIVE_STATS_CACHE_SECONDS = float(os.environ.get("LIVE_STATS_CACHE_SECONDS", "0" if TESTING else "1"))
# Seconds a remembered scope answer may be served after it was last checked (the bound on a revoked
# token, a sign-out or a removed host); a background thread per process re-checks answers in use at
# half this age and re-reads the bodies in use at half LIVE_STATS_CACHE_SECONDS. LIVE_STATS_REFRESH=0:
# no thread (tests call livestreams.live.stats.refresh() themselves).
LIVE_STATS_SCOPE_SECONDS = float(os.environ.get("LIVE_STATS_SCOPE_SECONDS", "5"))
LIVE_STATS_REFRESH = os.environ.get("LIVE_STATS_REFRESH", "0" if TESTING else "1") == "1"

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = _celery_broker_url(REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
TICK_SECONDS = float(os.environ.get("TICK_SECONDS", "2"))

# --- I18N / time ----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
if DEBUG or TESTING:
    import warnings

    # Without collectstatic there is no STATIC_ROOT; the finders serve the files instead.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

# --- Email (outbox delivers through this) -----------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
if os.environ.get("EMAIL_FILE_PATH"):  # the file backend (`make run` writes mail under .devdata/mail/)
    EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"Yizhan <noreply@{SITE_DOMAIN}>")
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8"))

# --- DRF ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.errors.exception_handler",
    # core.parsers.JSONParser: deeply nested JSON is a 400, not a RecursionError 500.
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Yizhan API",
    "DESCRIPTION": "Livestream job fairs and livestream-selling coaching for trade unions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.postprocess_errors",
        "livestreams.live.schema.postprocess_bridge",
    ],
}

# --- Security (production) ------------------------------------------------------------------
if not DEBUG and not TESTING:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Load balancers probe /healthz over plain HTTP inside the network; don't bounce them to https.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must list this site's host names in production.")

DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", str(5 * 1024 * 1024)))

# Below DEBUG, tick/task/outgoing-request chatter is held at WARNING (config/logconfig.py).
LOGGING = logging_config(os.environ.get("LOG_LEVEL", "WARNING" if TESTING else "INFO"))

# --- Invite replies (iTIP REPLY by email) ---------------------------------------------------------
# The mail server (or an inbound-mail provider) posts each reply email as raw MIME to
# /api/v1/invites/replies/ with "Authorization: Bearer <token>". Empty: the endpoint is off (404).
INVITES_INBOUND_TOKEN = os.environ.get("INVITES_INBOUND_TOKEN", "")

# Inbound replies through an email provider's webhook (django-anymail): set ANYMAIL_WEBHOOK_SECRET
# ("user:password", the basic auth the provider calls with) and the provider's own key, e.g.
# ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY; the webhook URLs are then /inbound/anymail/<provider>/inbound/.
ANYMAIL = {
    name: os.environ[f"ANYMAIL_{name}"]
    for name in (
        "WEBHOOK_SECRET",
        "MAILGUN_WEBHOOK_SIGNING_KEY",
        "POSTMARK_WEBHOOK_SECRET",
        "MAILERSEND_INBOUND_SECRET",
        "RESEND_INBOUND_SECRET",
    )
    if os.environ.get(f"ANYMAIL_{name}")
}

# --- SMS (auth issue 13): a backend chosen like EMAIL_BACKEND; the outbox delivers through it. -------
SMS_BACKEND = os.environ.get(
    "SMS_BACKEND", "core.sms.LocmemBackend" if TESTING else "core.sms.ConsoleBackend"
)
SMS_FILE_PATH = os.environ.get("SMS_FILE_PATH", str(BASE_DIR / ".devdata" / "sms.jsonl"))
SMS_TIMEOUT_MS = int(os.environ.get("SMS_TIMEOUT_MS", "5000"))
SMS_ALIYUN_ACCESS_KEY_ID = os.environ.get("SMS_ALIYUN_ACCESS_KEY_ID", "")
SMS_ALIYUN_ACCESS_KEY_SECRET = os.environ.get("SMS_ALIYUN_ACCESS_KEY_SECRET", "")
SMS_ALIYUN_SIGN_NAME = os.environ.get("SMS_ALIYUN_SIGN_NAME", "")
SMS_ALIYUN_ENDPOINT = os.environ.get("SMS_ALIYUN_ENDPOINT", "dysmsapi.aliyuncs.com")
SMS_ALIYUN_PROTOCOL = os.environ.get("SMS_ALIYUN_PROTOCOL", "https")
# One approved template code per message kind: SMS_ALIYUN_TEMPLATE_LOGIN_CODE=SMS_123456789, …
SMS_ALIYUN_TEMPLATES = {
    name.removeprefix("SMS_ALIYUN_TEMPLATE_").lower(): value
    for name, value in os.environ.items()
    if name.startswith("SMS_ALIYUN_TEMPLATE_") and value
}
if SMS_BACKEND == "core.sms.AliyunBackend" and not DEBUG and not TESTING:
    _missing = [
        name
        for name in ("SMS_ALIYUN_ACCESS_KEY_ID", "SMS_ALIYUN_ACCESS_KEY_SECRET", "SMS_ALIYUN_SIGN_NAME")
        if not globals()[name]
    ]
    if _missing:
        raise ImproperlyConfigured(f"SMS_BACKEND is Alibaba Cloud but {', '.join(_missing)} is not set.")

# --- Sign-in and throttles (auth issue 13 + 15.15) ----------------------------------------------
from datetime import timedelta as _timedelta  # noqa: E402

INSTALLED_APPS += ["axes"]
MIDDLEWARE += [
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out accounts before checking a password
    "django.contrib.auth.backends.ModelBackend",
    "sesame.backends.ModelBackend",  # email sign-in links
]
# Only these peers may tell us the client's address (X-Forwarded-For); e.g. "10.0.0.0/8,127.0.0.1".
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
# Failed passwords per account (django-axes, stored in PostgreSQL) …
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "5"))
AXES_COOLOFF_TIME = _timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
# Per account. Failures per address are counted by core.throttle ("login_ip") with a higher limit: one
# shared NAT at a union venue must not lock everybody out, and axes has one limit for all parameters.
# (The username+address pair is implied by "username"; it is listed so axes' W006 check sees the address.)
AXES_LOCKOUT_PARAMETERS = ["username", ["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "core.account_pages.locked_out"
AXES_VERBOSE = False
# … and fixed windows per client address, one scope each ("count/seconds"; "0" turns one off).
THROTTLE_RATES = {
    "login_ip": os.environ.get("THROTTLE_LOGIN_IP", "30/900"),  # failed logins from one address
    "token_ip": os.environ.get("THROTTLE_TOKEN_IP", "30/60"),  # API token requests
    "coaching_signup_ip": os.environ.get("THROTTLE_COACHING_SIGNUP_IP", "20/60"),
    "employer_signup_ip": os.environ.get("THROTTLE_EMPLOYER_SIGNUP_IP", "10/3600"),
    "booking_page_ip": os.environ.get("THROTTLE_BOOKING_PAGE_IP", "60/3600"),  # new sign-ups by page
    "booking_page_phone": os.environ.get("THROTTLE_BOOKING_PAGE_PHONE", "10/3600"),
    "magic_link_ip": os.environ.get("THROTTLE_MAGIC_LINK_IP", "10/3600"),
    "password_reset_ip": os.environ.get("THROTTLE_PASSWORD_RESET_IP", "10/3600"),
}
# Email sign-in links (django-sesame): short-lived and single-use.
SESAME_MAX_AGE = 15 * 60
SESAME_ONE_TIME = True
# Invitations and password reset links (Django's token: single-use, expires).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(3 * 24 * 3600)))
