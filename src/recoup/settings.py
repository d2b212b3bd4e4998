"""The one settings module. Everything a deployment changes is read from RECOUP_* variables."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from recoup.kernel.zones import country_zones, zone_country

BASE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(os.environ.get("RECOUP_DATA_DIR", "./var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = _env_bool("RECOUP_DEBUG", False)

_secret_key = os.environ.get("RECOUP_SECRET_KEY")
if not _secret_key:
    # A stable key per data directory, so sessions survive restarts of a local install
    # without the operator having to invent one.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        import secrets

        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    _secret_key = key_file.read_text().strip()
SECRET_KEY = _secret_key

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("RECOUP_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("RECOUP_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "axes",
    "huey.contrib.djhuey",
    "recoup.jobs",
    "recoup.accounts",
    "recoup.audit",
    "recoup.ledger",
    "recoup.imports",
    "recoup.demo",
    "recoup.reports",
    "recoup.prediction",
    "recoup.activities",
    "recoup.promises",
    "recoup.disputes",
    "recoup.cashapp",
    "recoup.webhooks",
    "recoup.worklist",
    "recoup.playbook",
    "recoup.portal",
    "recoup.calls",
    "recoup.dunning",
    "recoup.team",
    "recoup.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves the collected static files from the app server itself: no CDN, no extra web server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "recoup.web.middleware.LoginRequiredMiddleware",
    "recoup.web.middleware.UserTimezoneMiddleware",
    "recoup.web.middleware.DatabaseBusyMiddleware",
    # Last, as django-axes asks, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "recoup.urls"
WSGI_APPLICATION = "recoup.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "recoup.web.context_processors.recoup",
            ],
        },
    },
]

_sqlite_path = DATA_DIR / "recoup.sqlite3"
DATABASE_URL = os.environ.get("RECOUP_DATABASE_URL", f"sqlite:///{_sqlite_path}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while an import writes; foreign keys are on by
        # default in Django's SQLite backend, and the init command below states it again.
        # busy_timeout: a write waits up to 30 s for another writer (an import holds the lock
        # for its whole transaction) before the request is answered "busy, try again" (503).
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("RECOUP_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Served over HTTPS (docs/deploy.md): cookies only over HTTPS, plain HTTP redirected, HSTS.
# Off for a local install, which is plain HTTP on 127.0.0.1.
RECOUP_HTTPS = _env_bool("RECOUP_SECURE_COOKIES", not DEBUG and not _env_bool("RECOUP_LOCAL", True))
SESSION_COOKIE_SECURE = RECOUP_HTTPS
CSRF_COOKIE_SECURE = RECOUP_HTTPS
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = RECOUP_HTTPS
# HSTS for a year unless told otherwise (0 turns it off); subdomains of recoup's own host
# name are covered. Preloading is the domain owner's decision, made by submitting the
# domain to the browsers' list, so recoup does not ask for it unless told to.
SECURE_HSTS_SECONDS = int(os.environ.get("RECOUP_HSTS_SECONDS", "31536000")) if RECOUP_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("RECOUP_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = _env_bool("RECOUP_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Behind a proxy or load balancer that ends TLS, the app sees plain HTTP: the proxy says what
# the client used in X-Forwarded-Proto, which it must set itself (never pass on the client's).
RECOUP_BEHIND_PROXY = _env_bool("RECOUP_BEHIND_PROXY", False)
if RECOUP_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# The customer portal speaks these (recoup/locale, compiled .mo files committed: nothing to build
# at run time); the team's own pages are in English. No LocaleMiddleware: the portal picks the
# language per request (the customer's, or the one chosen on the page), the rest stays English.
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "recoup.web.staticfiles.IncrementalCompressedStaticFilesStorage"},
}

RECOUP_HOME_CURRENCY = os.environ.get("RECOUP_HOME_CURRENCY", "USD")
RECOUP_DEFAULT_TIMEZONE = os.environ.get("RECOUP_DEFAULT_TIMEZONE", "America/New_York")
# The company's own country (ISO 3166-1 alpha-2): whose public holidays apply to a customer with
# no country, region or phone number to say otherwise. Defaults to the country of the company's
# time zone (America/New_York → US), else US.
RECOUP_COMPANY_COUNTRY = os.environ.get("RECOUP_COMPANY_COUNTRY", "").strip().upper()
if not RECOUP_COMPANY_COUNTRY:
    RECOUP_COMPANY_COUNTRY = zone_country(RECOUP_DEFAULT_TIMEZONE) or "US"
elif not country_zones(RECOUP_COMPANY_COUNTRY):
    raise ValueError(
        f"RECOUP_COMPANY_COUNTRY={RECOUP_COMPANY_COUNTRY!r} is not an ISO 3166-1 alpha-2 country code (e.g. US, DE, GB)"
    )
# Offers a role may make without a senior's approval: early-payment discount (%) and plan length.
RECOUP_OFFER_LIMITS = {
    "collector": {"max_discount_percent": 2, "max_instalments": 3},
    "senior": {"max_discount_percent": 5, "max_instalments": 6},
    "manager": {"max_discount_percent": 10, "max_instalments": 12},
    "admin": {"max_discount_percent": 10, "max_instalments": 12},
}
# Write-offs a role may book without approval (dispute resolutions), in home-currency minor units;
# None: no limit. Beyond it a senior or manager whose own limit covers it approves (docs/disputes.md).
RECOUP_WRITE_OFF_LIMITS: dict[str, int | None] = {
    "collector": 10_000,
    "senior": 100_000,
    "manager": 1_000_000,
    "admin": None,
}
# A dispute case shows on its owner's follow-ups this many days before its SLA due date.
RECOUP_DISPUTE_DUE_SOON_DAYS = int(os.environ.get("RECOUP_DISPUTE_DUE_SOON_DAYS", "2"))
# Files attached to dispute cases (kept in DATA_DIR/attachments): the largest accepted, in bytes.
RECOUP_ATTACHMENT_MAX_BYTES = int(os.environ.get("RECOUP_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
# Click-to-call links: "tel:{e164}" by default, or a softphone/PBX URI such as "sip:{e164}@pbx.example".
RECOUP_DIAL_URI = os.environ.get("RECOUP_DIAL_URI", "tel:{e164}")
# Named in call scripts ({{ company_name }}).
RECOUP_COMPANY_NAME = os.environ.get("RECOUP_COMPANY_NAME", "our company")
# The letterhead of follow-up letters and statements (docs/followups-letters.md): address lines
# separated by "|", phone, e-mail, website.
RECOUP_COMPANY_ADDRESS = os.environ.get("RECOUP_COMPANY_ADDRESS", "")
RECOUP_COMPANY_PHONE = os.environ.get("RECOUP_COMPANY_PHONE", "")
RECOUP_COMPANY_EMAIL = os.environ.get("RECOUP_COMPANY_EMAIL", "")
RECOUP_COMPANY_WEBSITE = os.environ.get("RECOUP_COMPANY_WEBSITE", "")
# How amounts and dates are written on pages and in worklist texts (babel locale).
RECOUP_LOCALE = os.environ.get("RECOUP_LOCALE", "en_US")
# Cash application (docs/cashapp.md): a match at least this sure is applied without a person; a
# payment short by up to this much (major units, the line's currency) is short by bank charges;
# early-payment discounts (percent) a payer may take.
RECOUP_CASHAPP_AUTO_APPLY = float(os.environ.get("RECOUP_CASHAPP_AUTO_APPLY", "0.9"))
RECOUP_CASHAPP_CHARGES_TOLERANCE = os.environ.get("RECOUP_CASHAPP_CHARGES_TOLERANCE", "25.00")
RECOUP_CASHAPP_DISCOUNT_PERCENTS = [
    int(p) for p in os.environ.get("RECOUP_CASHAPP_DISCOUNT_PERCENTS", "2").split(",") if p.strip()
]
RECOUP_REDIS_URL = os.environ.get("RECOUP_REDIS_URL", "")
# The cache holds the portal's rate-limit counters: shared by every process through Redis when
# RECOUP_REDIS_URL is set, else per process in memory (docs/portal.md).
if RECOUP_REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": RECOUP_REDIS_URL,
            "KEY_PREFIX": "recoup",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "recoup"}}

# The customer portal (docs/portal.md): how long a customer's link works, the address links
# are sent with (e-mails and statements are written without a request to take it from), where
# customers pay to (shown with an RF creditor reference per invoice), and the rate limits per
# address, per link, for opening a link and for actions, as (requests, seconds).
RECOUP_PORTAL_LINK_DAYS = int(os.environ.get("RECOUP_PORTAL_LINK_DAYS", "60"))
if not 1 <= RECOUP_PORTAL_LINK_DAYS <= 365:
    raise ValueError(f"RECOUP_PORTAL_LINK_DAYS={RECOUP_PORTAL_LINK_DAYS}: a customer's link works for 1 to 365 days")
RECOUP_PUBLIC_URL = os.environ.get("RECOUP_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
RECOUP_PAYEE_NAME = os.environ.get("RECOUP_PAYEE_NAME", "")
RECOUP_PAYEE_IBAN = os.environ.get("RECOUP_PAYEE_IBAN", "")
RECOUP_PAYEE_BIC = os.environ.get("RECOUP_PAYEE_BIC", "")
RECOUP_PAYEE_BANK = os.environ.get("RECOUP_PAYEE_BANK", "")
RECOUP_PORTAL_RATE_LIMITS = {"address": (300, 600), "link": (200, 600), "open": (10, 600), "action": (30, 3600)}
RECOUP_SMTP_URL = os.environ.get("RECOUP_SMTP_URL", "")
if not RECOUP_SMTP_URL:
    # Without a mail server nothing is sent (rather than failing against localhost:25), and nothing
    # is printed either: an invitation carries a stakeholder's secret link, which must not end up
    # in a server log. The inviter is shown the link once instead (docs/disputes.md).
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"

# Background and periodic jobs (huey, docs/deploy.md): a SQLite file beside the database on one
# machine, Redis when RECOUP_REDIS_URL is set so workers can run on several machines.
# RECOUP_HUEY_IMMEDIATE=1 runs every task inline, in memory, at the call (the test suite sets it).
HUEY: dict[str, object] = {
    "name": "recoup",
    "results": False,  # nothing reads task results; don't let them pile up in the store
    "immediate": _env_bool("RECOUP_HUEY_IMMEDIATE", False),
    "utc": True,  # periodic schedules are read in UTC, like TIME_ZONE
}
if RECOUP_REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": RECOUP_REDIS_URL})
else:
    # A queued job must survive a crash (fsync: synchronous=FULL on the small queue file) and wait,
    # like every recoup connection, up to 10 s for a busy file instead of failing.
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "huey.sqlite3"), "timeout": 10, "fsync": True})

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refused page (403) or a missing one (404) is an answer, not an error: one line, no traceback.
    "filters": {"expected_denials": {"()": "recoup.web.logging.ExpectedDenials"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["expected_denials"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("RECOUP_LOG_LEVEL", "WARNING")},
}
# Follow-ups (docs/followups.md): the mail server messages go out through, e.g.
# smtp://user:password@host:587?starttls=1 or smtps://host:465; empty: messages are kept in the
# outbox (shown on the Outbox page) and nothing leaves. The sender's address on every message.
RECOUP_SMTP_URL = os.environ.get("RECOUP_SMTP_URL", "").strip()
RECOUP_MAIL_FROM = os.environ.get("RECOUP_MAIL_FROM", "").strip()
