"""Django settings for govdata, driven by environment variables.

Every setting a deployment may change is read from the environment here and documented in
docs/configuration.md; nothing else in the code reads os.environ.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


VAR_DIR = Path(env("GOVDATA_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("GOVDATA_DEBUG", False)
SECRET_KEY = env("GOVDATA_SECRET_KEY")
if not SECRET_KEY:
    # A development key, kept per installation under var/ so sessions survive restarts.
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        import secrets

        _key_file.write_text(secrets.token_urlsafe(50))
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()

ALLOWED_HOSTS = [
    h for h in env("GOVDATA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in env("GOVDATA_CSRF_TRUSTED_ORIGINS").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "govdata.core",
    "govdata.orgs",
    "govdata.catalog",
    "govdata.dataplane",
    "govdata.interop",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "govdata.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "govdata.core.middleware.ApiTextGuardMiddleware",
    "govdata.dataplane.middleware.UploadLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "govdata.urls"
WSGI_APPLICATION = "govdata.wsgi.application"

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
                "govdata.core.context_processors.platform",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'govdata.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: a writing transaction takes the write lock at BEGIN, so concurrent writers
        # queue on busy_timeout instead of failing on lock upgrade (this serialises the audit chain).
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, so that tests with several threads (live server, concurrent writers)
    # share it; one per process, so that test runs side by side do not collide.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test_govdata_{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "orgs.Person"

# --- Cache and task queue -------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": env("GOVDATA_QUEUE_NAME", "govdata"),
        "url": REDIS_URL,
        "immediate": env_bool("GOVDATA_QUEUE_IMMEDIATE", False),
        "utc": False,  # periodic jobs follow TIME_ZONE: "02:30" is the city's night
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": env("GOVDATA_QUEUE_NAME", "govdata"),
        "filename": env("GOVDATA_QUEUE_FILE", str(VAR_DIR / "queue.sqlite3")),
        "immediate": env_bool("GOVDATA_QUEUE_IMMEDIATE", False),
        "utc": False,  # periodic jobs follow TIME_ZONE: "02:30" is the city's night
    }

# --- Authentication -------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "console-home"
LOGOUT_REDIRECT_URL = "portal-home"
# Lock an account after this many failed logins in a row, for this many minutes.
LOGIN_MAX_FAILURES = env_int("GOVDATA_LOGIN_MAX_FAILURES", 5)
LOGIN_LOCKOUT_MINUTES = env_int("GOVDATA_LOGIN_LOCKOUT_MINUTES", 15)
SESSION_COOKIE_AGE = env_int("GOVDATA_SESSION_SECONDS", 8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("GOVDATA_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Reverse proxies (addresses or networks) whose X-Forwarded-For is believed: the caller's address
# (for API-key allow-lists and the audit trail) is the last one in that header not among them.
TRUSTED_PROXIES = [p for p in env("GOVDATA_TRUSTED_PROXIES").split(",") if p.strip()]
# How far back "last used" of an API key is kept without a write per request (seconds).
API_KEY_TOUCH_SECONDS = env_int("GOVDATA_API_KEY_TOUCH_SECONDS", 60)

# --- Language and time ----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("GOVDATA_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "media"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Platform rules -------------------------------------------------------------------------------
# Hash of the audit chain: "sha256" (default) or "sm3" (SEC-3, GB/T 32905).
AUDIT_HASH_ALGORITHM = env("GOVDATA_AUDIT_HASH", "sha256").lower()
# How many high-volume audit entries one seal covers at most (SEC-4).
AUDIT_SEAL_BATCH = env_int("GOVDATA_AUDIT_SEAL_BATCH", 5000)
# How old (seconds) a verification of the audit chain the audit page and API may show.
AUDIT_VERIFY_MAX_AGE = env_int("GOVDATA_AUDIT_VERIFY_MAX_AGE", 300)
# Working-day deadlines. Where the regulations differ, the strictest value is the default
# (REQUIREMENTS.md); each can be overridden with GOVDATA_DEADLINE_<KEY> (dots as underscores).
DEADLINE_DEFAULTS: dict[str, int] = {
    "orgs.account_request": 5,  # ORG-4, Y§21
    "catalog.county_review": 5,  # CAT-3 names no number; 5 like the other answers
    "catalog.city_review": 5,  # CAT-3, likewise
    "catalog.update_law": 10,  # CAT-4, G§15 (E§11 says 15)
    "catalog.update_situation": 2,  # CAT-4, G§15
    "catalog.yearly_review": 20,  # CAT-4, G§15 names no number: a month of working days
    "catalog.system_upgrade": 10,  # CAT-4, A§12 names no number: like a change of duties
    "catalog.demand_answer": 10,  # CAT-6 names no number; 10 like a public demand (OPN-5)
    "catalog.data_overdue": 5,  # AGG-5 names no number: a week to load the current data
    "dataplane.coordination": 10,  # AGG-4 names no number; 10 like a demand answer
    "sharing.reply": 5,  # SHR-2, E§16
    "sharing.dispute_report": 3,  # SHR-6, B§20
    "sharing.dispute_answer": 3,  # SHR-6, B§20 (G§16 says 5)
    "opendata.demand_answer": 10,  # OPN-5
    "supervision.complaint_answer": 5,  # SUP-3, G§31
    "projects.first_opinion": 5,  # PRJ-1, EP§9
    "projects.expert_review": 15,  # PRJ-1, EP§9
}
DEADLINE_DAYS = {
    key: env_int("GOVDATA_DEADLINE_" + key.replace(".", "_").upper(), days)
    for key, days in DEADLINE_DEFAULTS.items()
}

# CAT-5: an entry whose data nobody used for this many months is flagged as a zombie entry.
CATALOG_IDLE_MONTHS = env_int("GOVDATA_CATALOG_IDLE_MONTHS", 12)
# CAT-7, B§8: whether accepting an information system also needs its connection to the platform.
# Unset: needed exactly when the data plane is installed (only it can connect a system).
CATALOG_ACCEPTANCE_NEEDS_CONNECTION: bool | None = (
    None
    if env("GOVDATA_CATALOG_ACCEPTANCE_NEEDS_CONNECTION") == ""
    else env_bool("GOVDATA_CATALOG_ACCEPTANCE_NEEDS_CONNECTION")
)
# CAT-8: results per page of catalog search, and the most a caller may ask for.
CATALOG_SEARCH_PAGE = env_int("GOVDATA_CATALOG_SEARCH_PAGE", 20)

# The data plane (AGG-1, AGG-2): the largest file a load takes, the share of rejected rows above
# which a whole load is refused (a resource may set its own), where uploads wait for their job,
# and after how many minutes without a sign of life a running load counts as interrupted.
DATAPLANE_MAX_UPLOAD_MB = env_int("GOVDATA_DATAPLANE_MAX_UPLOAD_MB", 1024)
DATAPLANE_MAX_ERROR_RATE = float(env("GOVDATA_DATAPLANE_MAX_ERROR_RATE", "0.05"))
DATAPLANE_UPLOAD_DIR = Path(env("GOVDATA_DATAPLANE_UPLOAD_DIR", str(VAR_DIR / "uploads")))
DATAPLANE_STALE_MINUTES = env_int("GOVDATA_DATAPLANE_STALE_MINUTES", 10)
# Pulls (AGG-1): the key that encrypts saved credentials (unset: derived from SECRET_KEY, so
# rotating SECRET_KEY makes them unreadable), and the limits of a pull.
CREDENTIALS_KEY = env("GOVDATA_CREDENTIALS_KEY")
DATAPLANE_PULL_TIMEOUT = env_int("GOVDATA_DATAPLANE_PULL_TIMEOUT", 300)
DATAPLANE_PULL_MAX_ROWS = env_int("GOVDATA_DATAPLANE_PULL_MAX_ROWS", 10_000_000)
DATAPLANE_PULL_HTTP_MAX_MB = env_int("GOVDATA_DATAPLANE_PULL_HTTP_MAX_MB", 64)
DATAPLANE_PULL_RETRY_MINUTES = env_int("GOVDATA_DATAPLANE_PULL_RETRY_MINUTES", 60)
DATAPLANE_PULL_SQLITE_DIR = Path(
    env("GOVDATA_DATAPLANE_PULL_SQLITE_DIR", str(VAR_DIR / "pull-sqlite"))
)
DATAPLANE_PULL_ALLOW_LOCAL = env_bool("GOVDATA_DATAPLANE_PULL_ALLOW_LOCAL", False)

PLATFORM_NAME = _("City Government Data Platform")
# The function that gives the actor of a page request (core's pages ask it; orgs answers).
ACTOR_RESOLVER = "govdata.orgs.auth.actor_of"
# What `manage.py load_demo` loads, in order and in one transaction: the demo city's organisations
# and people, then what each later app builds on them (the catalog, then its data). Listed here so that `orgs`
# never imports the apps that depend on it.
DEMO_LOADERS = [
    "govdata.orgs.demo.load",
    "govdata.catalog.demo.load",
    "govdata.dataplane.demo.load",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("GOVDATA_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # gunicorn and the huey consumer print through handlers of their own
        "gunicorn": {"propagate": False},
        "huey": {"propagate": False},
    },
}
