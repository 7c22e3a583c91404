"""Settings for every profile, driven by the environment (see .env.example).

BCT_ENV selects the profile: ``development`` (default: SQLite under var/, DEBUG, mail to files),
``test`` (the suite; SQLite or PostgreSQL by BCT_TEST_DB) or ``production`` (refuses to start with
an unsafe configuration; see config/guard.py).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from blackcanyon.config.guard import DEV_SECRET_KEY, is_true, production_problems
from blackcanyon.payments import fee_config as _fee_config

ENV = os.environ
BCT_ENV = ENV.get("BCT_ENV", "development")
if BCT_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"BCT_ENV must be development, test or production, not {BCT_ENV!r}.")
PRODUCTION = BCT_ENV == "production"
TESTING = BCT_ENV == "test"

if PRODUCTION:
    _problems = production_problems(ENV)
    if _problems:
        raise ImproperlyConfigured(
            "Refusing to start in production:\n" + "\n".join(f"  - {p}" for p in _problems)
        )

PACKAGE_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(ENV.get("BCT_VAR_DIR", BASE_DIR / "var"))

SECRET_KEY = ENV.get("SECRET_KEY") or DEV_SECRET_KEY
# Old keys, comma-separated, still accepted while rotating (sessions, signed links, event keys).
SECRET_KEY_FALLBACKS = [k for k in ENV.get("SECRET_KEY_FALLBACKS", "").split(",") if k.strip()]
DEBUG = False if PRODUCTION or TESTING else is_true(ENV.get("DEBUG", "1"))

PUBLIC_APP_URL = ENV.get("PUBLIC_APP_URL", "http://127.0.0.1:8000").rstrip("/")
_public_host = urlparse(PUBLIC_APP_URL).hostname or "127.0.0.1"
ALLOWED_HOSTS = [_public_host, *[h for h in ENV.get("ALLOWED_HOSTS", "").split(",") if h]]
if not PRODUCTION:
    ALLOWED_HOSTS += ["127.0.0.1", "localhost", "testserver"]
CSRF_TRUSTED_ORIGINS = [PUBLIC_APP_URL]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_tasks_db",
    "blackcanyon.core",
    "blackcanyon.accounts",
    "blackcanyon.organizers",
    "blackcanyon.events",
    "blackcanyon.notifications",
    "blackcanyon.orders",
    "blackcanyon.tickets",
    "blackcanyon.checkin",
    "blackcanyon.payments",
    "blackcanyon.ledger",
    "blackcanyon.api",
    "blackcanyon.demo",
    "ninja",  # only for the self-hosted Swagger UI assets of /api/v1/docs (no CDN, CSP-safe)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "blackcanyon.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "blackcanyon.core.middleware.TenancyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "blackcanyon.core.middleware.DomainErrorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "blackcanyon.config.urls"
WSGI_APPLICATION = "blackcanyon.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "blackcanyon.core.context_processors.site",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
# The web app connects as DATABASE_URL (a role that is neither superuser nor table owner, see
# docs/tenancy.md). `bct migrate` uses MIGRATE_DATABASE_URL (the owner) and `bct worker` uses
# WORKER_DATABASE_URL (a member of bct_system) when they are set.
_process = ENV.get("BCT_PROCESS", "web")
if TESTING:
    if ENV.get("BCT_TEST_DB", "sqlite") == "postgres":
        _db_url = ENV.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    else:
        _db_url = "sqlite:///" + str(VAR_DIR / "test.sqlite3")
else:
    _db_url = ENV.get("DATABASE_URL") or "sqlite:///" + str(VAR_DIR / "db.sqlite3")
    if _process == "migrate" and ENV.get("MIGRATE_DATABASE_URL"):
        _db_url = ENV["MIGRATE_DATABASE_URL"]
    elif _process == "worker" and ENV.get("WORKER_DATABASE_URL"):
        _db_url = ENV["WORKER_DATABASE_URL"]

_default_db = dj_database_url.parse(
    _db_url, conn_max_age=0 if TESTING else 60, conn_health_checks=not TESTING
)
if _default_db["ENGINE"] == "django.db.backends.postgresql":
    _default_db["ENGINE"] = "blackcanyon.core.db"
    _default_db["TEST"] = {"NAME": ENV.get("BCT_TEST_DB_NAME", "test_blackcanyon")}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    if TESTING:
        # A file, not memory: threads then use separate connections with real SQLite locking,
        # so the parallel-buyer tests exercise what the embedded default does in production.
        _default_db["TEST"] = {
            "NAME": str(VAR_DIR / f"{ENV.get('BCT_TEST_DB_NAME', 'test_blackcanyon')}.sqlite3")
        }
    # WAL lets the web server and the worker use the embedded database at the same time.
    _default_db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DATABASES = {"default": _default_db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Name of the PostgreSQL group role the web app runs as (RLS policies apply to it).
BCT_DB_APP_ROLE = "bct_app"
BCT_DB_SYSTEM_ROLE = "bct_system"

# --- Cache ------------------------------------------------------------------------------------
if ENV.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": ENV["REDIS_URL"],
        }
    }
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    # Without Redis, a file cache is shared by every process on this machine (web + worker),
    # so rate limits hold across processes in the embedded setup.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Tasks ------------------------------------------------------------------------------------
# The task row is written in the caller's transaction: a rolled-back transaction never runs it.
TASKS = {"default": {"BACKEND": "blackcanyon.core.tasks_backend.DatabaseBackend"}}

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; the suite creates many users. Production keeps Argon2.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "organizers:home"
LOGOUT_REDIRECT_URL = "events:home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3

AXES_FAILURE_LIMIT = int(ENV.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Deliberate: lock out per account, not per IP address. Door staff and box offices share one
# venue Wi-Fi address, and an IP lockout there would lock out the whole team at the door.
# Throttling by IP belongs to the shared rate limiter, not to account lockout.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# --- Mail -------------------------------------------------------------------------------------
# Order emails are tracked (notifications.Message) and retried by the worker; see docs/email.md.
DEFAULT_FROM_EMAIL = ENV.get("DEFAULT_FROM_EMAIL", "Black Canyon Tickets <tickets@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
RESEND_API_KEY = ENV.get("RESEND_API_KEY", "")
ANYMAIL = {
    "RESEND_API_KEY": RESEND_API_KEY,
    # Verifies Resend's delivery webhooks (Svix signatures); without it they are refused.
    "RESEND_SIGNING_SECRET": ENV.get("RESEND_SIGNING_SECRET", ""),
}
MAILERS: dict[str, dict[str, object]]
if TESTING:
    # Never real mail from the suite; the integration test points a mailer at a local SMTP server.
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
elif RESEND_API_KEY:
    MAILERS = {"default": {"BACKEND": "anymail.backends.resend.EmailBackend"}}
elif ENV.get("EMAIL_URL"):
    _mail = urlparse(ENV["EMAIL_URL"])
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _mail.hostname or "localhost",
                "port": _mail.port or 25,
                "username": _mail.username or "",
                "password": _mail.password or "",
                "use_tls": _mail.scheme == "smtp+tls",
                "timeout": 30,
            },
        }
    }
elif PRODUCTION:
    # Without Resend or EMAIL_URL, hand mail to the host's MTA on localhost:25. Never the file
    # backend: tickets written to disk would be "sent" silently to nobody.
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"timeout": 30},
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }

# --- I18N / time ------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(ENV.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
if TESTING:
    # The suite never runs collectstatic: serve static files from the app directories instead
    # of warning "No directory at var/static" on every request.
    WHITENOISE_AUTOREFRESH = True
    WHITENOISE_USE_FINDERS = True

# --- Security -----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    if is_true(ENV.get("BEHIND_TLS_PROXY")):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging --------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "blackcanyon.core.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "blackcanyon.core.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            # On the handler: records propagated from Django's own loggers skip the root level.
            "level": ENV.get("LOG_LEVEL", "INFO"),
            "filters": ["request_id"],
            "formatter": "json" if PRODUCTION else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": ENV.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's default "django" handlers would print every record a second time in DEBUG.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # Never DEBUG, whatever LOG_LEVEL says: at DEBUG the Stripe SDK logs request parameters
        # and response bodies — account and login links that sign anyone into an organizer's
        # Stripe dashboard, buyers' email addresses. INFO keeps its method, URL and status lines.
        "stripe": {"level": "INFO"},
    },
}

# --- Product --------------------------------------------------------------------------------------
BCT_INVITATION_TTL = timedelta(days=7)
BCT_EMAIL_VERIFICATION_TTL = 60 * 60 * 24 * 3
BCT_MAX_IMAGE_BYTES = 5 * 1024 * 1024

# Orders: how long a reservation holds seats, and the policy versions buyers accept.
BCT_RESERVATION_MINUTES = int(ENV.get("RESERVATION_MINUTES", "15"))
BCT_TERMS_VERSION = "2026-11-01"
BCT_PRIVACY_VERSION = "2026-11-01"
# Payment provider for web checkout: "stripe" or "test" (TEST MODE); empty: "stripe" when
# STRIPE_SECRET_KEY is set, else "test" (payments.providers.default_provider_name).
BCT_PAYMENT_PROVIDER = ENV.get("PAYMENT_PROVIDER", "")
# Tests flip this to False to show the oversell race the conditional UPDATEs prevent.
BCT_INVENTORY_GUARD = True

# Anonymous public pages are shared for this many seconds (core/pagecache.py). The suite turns it
# off except in the tests of the cache itself, so every other test sees fresh pages.
BCT_PAGE_CACHE_SECONDS = 0 if TESTING else int(ENV.get("PAGE_CACHE_SECONDS", "2"))

# API: requests per minute per token, and failed authentications per minute per client address.
BCT_API_RATE_LIMIT = int(ENV.get("API_RATE_LIMIT", "600"))
# Check-in API requests per minute per scanner device or signed-in door staff member.
BCT_CHECKIN_RATE_LIMIT = int(ENV.get("CHECKIN_RATE_LIMIT", "1200"))
# Seconds a web process may reuse a token it looked up (a revocation made by another process
# takes effect within this time; 0 turns the cache off, as in the test profile).
BCT_API_TOKEN_CACHE_SECONDS = float(
    ENV.get("API_TOKEN_CACHE_SECONDS", "0" if BCT_ENV == "test" else "10")
)
BCT_API_AUTH_FAILURE_LIMIT = int(ENV.get("API_AUTH_FAILURE_LIMIT", "60"))

# --- Payments: Stripe Connect and the platform fee (docs/payments.md) -----------------------------
# Stripe is enabled only when STRIPE_SECRET_KEY is set; without it the TEST MODE provider stays
# the default. The test profile ignores keys in the environment so the suite never talks to Stripe.
STRIPE_SECRET_KEY = "" if TESTING else ENV.get("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = "" if TESTING else ENV.get("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = "" if TESTING else ENV.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_CONNECT_WEBHOOK_SECRET = "" if TESTING else ENV.get("STRIPE_CONNECT_WEBHOOK_SECRET", "")
STRIPE_MAX_NETWORK_RETRIES = int(ENV.get("STRIPE_MAX_NETWORK_RETRIES", "2"))
STRIPE_TIMEOUT_SECONDS = int(ENV.get("STRIPE_TIMEOUT_SECONDS", "20"))
# Processed webhook payloads are cleared after this many days (payments.jobs, daily).
STRIPE_EVENT_RETENTION_DAYS = int(ENV.get("STRIPE_EVENT_RETENTION_DAYS", "90"))
try:
    # Basis points (2.5 % → 250) and minor units per currency ({"*": default, "USD": 30, ...}).
    BCT_PLATFORM_FEE_BASIS_POINTS = _fee_config.parse_percent(ENV.get("PLATFORM_FEE_PERCENT", "0"))
    BCT_PLATFORM_FEE_FIXED = _fee_config.parse_fixed(ENV.get("PLATFORM_FEE_FIXED", "0"))
except ValueError as _fee_error:
    raise ImproperlyConfigured(str(_fee_error)) from None
# Checks a draft must pass to be published, beyond the events app's own (dotted paths of
# ``check(*, event)`` callables raising a DomainError). Payments: paid events need Stripe charges.
BCT_EVENT_PUBLISH_CHECKS = ("blackcanyon.payments.publishing.paid_event_publish_check",)
