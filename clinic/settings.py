"""
Settings for the clinic site: one module, read from the environment.

Every variable is listed, with its default, in `.env.example`. The defaults are
safe for production (debug off); `make run` turns debug on for local work.
"""

import ipaddress
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. With DJANGO_DEBUG off the site refuses to start "
            "without a secret key: set DJANGO_SECRET_KEY to a long random value "
            '(python -c "import secrets; print(secrets.token_urlsafe(50))"), '
            "or set DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-local-development-only-never-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "clinic.apps.ClinicAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "phonenumber_field",
    "reversion",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks",
    "django_tasks_db",
    "clinic",
    "education",
    "appointments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "clinic.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "clinic.middleware.RejectMalformedRequestMiddleware",
    "clinic.middleware.DatabaseUnavailableMiddleware",
    "clinic.edge_cache.EdgeCacheMiddleware",  # above sessions: it sees their Vary and cookies
    "django.contrib.sessions.middleware.SessionMiddleware",
    # ETag (on HEAD too): a repeat visit gets 304 Not Modified, without CommonMiddleware's Content-Length.
    "clinic.http.ConditionalGetMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinic.context_processors.clinic_profile",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# SQLite by default; DATABASE_URL=postgres://user@host:5432/name for PostgreSQL.
# Persistent connections with health checks: without them every request pays
# for a new PostgreSQL connection (pages about 3x slower here).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite gains nothing from persistent connections across threads.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # A database that accepts connections and never answers must cost seconds, not a hung worker:
    # give up connecting after 3 s (the visitor gets the 503 page with the clinic's phone).
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DJANGO_DB_CONNECT_TIMEOUT", 3)
    if os.environ.get("CLINIC_PROCESS") == "web":  # set by clinic/wsgi.py; not for migrations or the worker
        # No query in a web request may run longer than this (milliseconds).
        DATABASES["default"]["OPTIONS"]["options"] = (
            f"-c statement_timeout={env_int('DJANGO_DB_STATEMENT_TIMEOUT_MS', 10000)}"
        )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache with a circuit breaker (clinic/cache.py).
            "BACKEND": "clinic.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            # A cache that does not answer must fail fast: the site serves on without it.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    # Per process: fine for one developer; `check --deploy` refuses it in production.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# After the cache fails, skip it for this many seconds before trying it again.
CACHE_RETRY_SECONDS = env_int("DJANGO_CACHE_RETRY_SECONDS", 15)

# --- Background work: Django's Tasks API (django-tasks backport), queued in the database ------
# The web request only queues; `python manage.py run_worker` sends emails and runs periodic jobs.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Seconds the worker waits between looks at an empty queue.
WORKER_POLL_SECONDS = float(os.environ.get("DJANGO_WORKER_POLL_SECONDS", "") or 1)

# --- Passwords, sessions and sign-in -------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses sign-in while an account and address are locked out
    "django.contrib.auth.backends.ModelBackend",
]
# Staff sessions are short: they end when the browser closes, or after this many idle seconds.
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_SECONDS", 2 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_NAME = "clinic_session"
CSRF_COOKIE_HTTPONLY = True
# The admin lives here (e.g. "staff-7f3a/"); a less obvious address turns away idle scanners.
ADMIN_URL = os.environ.get("DJANGO_ADMIN_URL", "admin/").strip("/") + "/"
# Superusers must sign in with a two-factor code (django-otp TOTP); other staff may opt in.
ADMIN_REQUIRE_2FA = env_bool("DJANGO_ADMIN_REQUIRE_2FA")
OTP_TOTP_ISSUER = os.environ.get("DJANGO_OTP_ISSUER", "Clinic admin")
# How many trusted proxies put the client's address in X-Forwarded-For (0: use REMOTE_ADDR).
TRUSTED_PROXY_HOPS = env_int("DJANGO_TRUSTED_PROXY_HOPS", 0)
# The proxies' own addresses or networks: X-Forwarded-For is read only from a connection that comes
# from one of them (anyone reaching the app servers directly could write it). Default: this machine.
TRUSTED_PROXIES = env_list("DJANGO_TRUSTED_PROXIES", "127.0.0.1,::1")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(
            f"DJANGO_TRUSTED_PROXIES: {_proxy!r} is not an address or a network (e.g. 10.0.0.5 or 10.0.0.0/24)."
        ) from _error
# django-axes: lock an account from one address after repeated failures; unlock in the admin.
AXES_FAILURE_LIMIT = env_int("DJANGO_AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("DJANGO_AXES_COOLOFF_HOURS", 1)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "clinic.net.client_ip"
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"
AXES_RESET_ON_SUCCESS = True
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

# --- Static files: WhiteNoise serves hashed, compressed files -----------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", "") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Email --------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS")
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "webmaster@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Request limits: oversized or odd requests get a 400, never a 500 -------------
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# --- Content-Security-Policy (django-csp 4): only this site's own files run ---------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- Security -----------------------------------------------------------------
# The site runs behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # Load balancers probe these over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$"]
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Logging: to stdout, for the process manager to collect -------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name} {message}", "style": "{"}},
    # In this order: an exception's text is withheld (it may quote a patient), booking links' tokens are
    # masked, email addresses and phone numbers are removed (clinic/logging.py).
    "filters": {
        "withhold_exception_text": {"()": "clinic.logging.WithholdExceptionText"},
        "mask_booking_tokens": {"()": "clinic.logging.MaskBookingTokens"},
        "redact_personal_data": {"()": "clinic.logging.RedactPersonalData"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["withhold_exception_text", "mask_booking_tokens", "redact_personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django_tasks_db": {"level": "WARNING"},  # not a line per empty look at the queue
    },
}

# --- Forms --------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- The clinic's own settings ------------------------------------------------
# How many years after a medical review the next one falls due, when an editor leaves it empty.
EDUCATION_REVIEW_INTERVAL_YEARS = env_int("EDUCATION_REVIEW_INTERVAL_YEARS", 3)
# The US school grade articles should read at or below (NIH: 8 or lower; AMA: 6).
EDUCATION_READING_GRADE_TARGET = env_int("EDUCATION_READING_GRADE_TARGET", 8)

# The clinic's phone number for the "temporarily unavailable" page, shown even by a server that
# has never reached the database. The site also keeps a copy of the clinic profile's phone here:
CLINIC_PHONE = os.environ.get("DJANGO_CLINIC_PHONE", "")
CLINIC_CONTACT_FILE = Path(os.environ.get("DJANGO_CLINIC_CONTACT_FILE", "") or BASE_DIR / "var" / "clinic-contact.json")

# What the clinic treats, as schema.org MedicalSpecialty names (structured data for search engines).
CLINIC_MEDICAL_SPECIALTIES = env_list("DJANGO_CLINIC_MEDICAL_SPECIALTIES", "Musculoskeletal,Neurologic")

# Where staff reach the site: links in notification emails point here (no trailing slash).
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# /.well-known/security.txt (RFC 9116): who hears about security problems (comma-separated email
# addresses or URIs), how many days ahead its Expires date lies, and the languages reports may use.
SECURITY_TXT_CONTACTS = env_list("DJANGO_SECURITY_CONTACT", DEFAULT_FROM_EMAIL)
SECURITY_TXT_EXPIRES_DAYS = env_int("DJANGO_SECURITY_TXT_EXPIRES_DAYS", 180)
SECURITY_TXT_LANGUAGES = env_list("DJANGO_SECURITY_TXT_LANGUAGES", "en")

# --- Consultation requests ----------------------------------------------------
# Phone numbers without a country code are read as numbers of this country.
PHONENUMBER_DEFAULT_REGION = os.environ.get("APPOINTMENTS_PHONE_REGION", "US")
# A form sent sooner than this after it was shown is from a bot (0 turns the check off).
APPOINTMENTS_MIN_FORM_SECONDS = env_int("APPOINTMENTS_MIN_FORM_SECONDS", 3)
# How many requests one client address may send, e.g. "5/10m" (units s, m, h, d); "0/1m" turns it off.
APPOINTMENTS_RATE_LIMIT = os.environ.get("APPOINTMENTS_RATE_LIMIT", "5/10m")
# Who is told that a request came in: a reference and an admin link, never patient details.
APPOINTMENTS_TRIAGE_EMAIL = os.environ.get("APPOINTMENTS_TRIAGE_EMAIL", "triage@localhost")
# Closed requests are deleted this many days after closing by `purge_closed_requests`.
APPOINTMENTS_RETENTION_DAYS = env_int("APPOINTMENTS_RETENTION_DAYS", 6 * 365)
# A notification that has failed this many times is left for staff to look at.
APPOINTMENTS_NOTIFICATION_MAX_ATTEMPTS = env_int("APPOINTMENTS_NOTIFICATION_MAX_ATTEMPTS", 10)
# Booking: the earliest a patient can be offered a time, how long an offer's link works, until
# when before the time a patient can cancel or change it online, and when the reminder goes out.
APPOINTMENTS_MIN_NOTICE_HOURS = env_int("APPOINTMENTS_MIN_NOTICE_HOURS", 24)
# Staff booking for a patient (on the phone, at the desk) may book sooner: down to now plus this.
APPOINTMENTS_STAFF_MIN_NOTICE_MINUTES = env_int("APPOINTMENTS_STAFF_MIN_NOTICE_MINUTES", 30)
APPOINTMENTS_OFFER_DAYS = env_int("APPOINTMENTS_OFFER_DAYS", 7)
APPOINTMENTS_CHANGE_CUTOFF_HOURS = env_int("APPOINTMENTS_CHANGE_CUTOFF_HOURS", 24)
APPOINTMENTS_REMINDER_HOURS = env_int("APPOINTMENTS_REMINDER_HOURS", 48)
# The mailbox named as ORGANIZER in calendar files (with the clinic's name); replies to an
# invitation go there, so it should be one the front desk reads.
APPOINTMENTS_ORGANIZER_EMAIL = os.environ.get("APPOINTMENTS_ORGANIZER_EMAIL", DEFAULT_FROM_EMAIL)
# SMART Scheduling Links (/fhir/$bulk-publish): seconds the worker waits after a booking change before
# rebuilding the files, so that a burst of changes costs one rebuild.
APPOINTMENTS_SCHEDULING_LINKS_DEBOUNCE_SECONDS = env_int("APPOINTMENTS_SCHEDULING_LINKS_DEBOUNCE_SECONDS", 10)
# An urgent request nobody has taken on (assigned, or moved past New) after this many minutes alerts on-call.
APPOINTMENTS_URGENT_ACK_MINUTES = env_int("APPOINTMENTS_URGENT_ACK_MINUTES", 30)
# The on-call inbox for those alerts: a reference and an admin link only.
APPOINTMENTS_ONCALL_EMAIL = os.environ.get("APPOINTMENTS_ONCALL_EMAIL", "oncall@localhost")
# Alert at once outside clinic hours too (otherwise the alert waits for opening time).
APPOINTMENTS_ONCALL_AFTER_HOURS = env_bool("APPOINTMENTS_ONCALL_AFTER_HOURS", False)

# --- Proxy and CDN caching of public pages (clinic/edge_cache.py, docs/deploy.md) ----------
# Where caches are told to drop changed pages: nginx's purge listeners (deploy/nginx.conf, comma-
# separated, e.g. http://127.0.0.1:8080) and a CDN's purge endpoint. Both off by default.
EDGE_PURGE_NGINX_URLS = env_list("EDGE_PURGE_NGINX_URLS")
EDGE_PURGE_CDN_URL = os.environ.get("EDGE_PURGE_CDN_URL", "")
EDGE_PURGE_CDN_TOKEN = os.environ.get("EDGE_PURGE_CDN_TOKEN", "")
EDGE_PURGE_CDN_TOKEN_HEADER = os.environ.get("EDGE_PURGE_CDN_TOKEN_HEADER", "") or "Fastly-Key"
EDGE_PURGE_TIMEOUT = float(os.environ.get("EDGE_PURGE_TIMEOUT", "") or 5)  # seconds per purge call
EDGE_PURGE_MAX_ATTEMPTS = env_int("EDGE_PURGE_MAX_ATTEMPTS", 8)
# Seconds a browser keeps a public page, and a shared cache (proxy, CDN). Browsers ask again on every
# visit by default (the proxy answers 304 Not Modified without Python), so a reader never sees an
# old version after a publish. With a purge backend a shared cache may keep pages long; without
# one, a short time bounds how late a change shows.
EDGE_CACHE_MAX_AGE = env_int("EDGE_CACHE_MAX_AGE", 0)
EDGE_CACHE_S_MAXAGE = env_int("EDGE_CACHE_S_MAXAGE", 600 if EDGE_PURGE_NGINX_URLS or EDGE_PURGE_CDN_URL else 10)
# A shared cache may answer with an expired copy while it fetches a new one, or while the site fails.
EDGE_CACHE_STALE_WHILE_REVALIDATE = env_int("EDGE_CACHE_STALE_WHILE_REVALIDATE", 30)
EDGE_CACHE_STALE_IF_ERROR = env_int("EDGE_CACHE_STALE_IF_ERROR", 86400)
