"""Claimdesk settings: one module, driven by the environment.

DJANGO_DEBUG=1            development mode (never in production)
DJANGO_SECRET_KEY         required unless DEBUG is on or the test suite is running
DATABASE_URL              e.g. postgres://user@host:5432/claimdesk; SQLite (db.sqlite3) if unset
                          (sqlite:////path/to/file.sqlite3 for another SQLite file)
DJANGO_ALLOWED_HOSTS      comma-separated host names
DJANGO_CSRF_TRUSTED_ORIGINS  comma-separated origins (https://claimdesk.example.org)
CLAIMDESK_TRUSTED_PROXIES how many proxies in front append to X-Forwarded-For (default 0)
REDIS_URL                 redis://host:6379/0: a cache shared by every app server (throttle counts)
DATABASE_REPLICA_URL      a PostgreSQL read replica for anonymous and read-only-token reads
DATABASE_POOL             1: psycopg's connection pool (DATABASE_POOL_MIN_SIZE, _MAX_SIZE, _TIMEOUT)
DISABLE_SERVER_SIDE_CURSORS  1 behind PgBouncer in transaction mode
DATABASE_PARALLEL_WORKERS workers PostgreSQL may start per query (default 0; empty: the server's)
CLAIMDESK_TASK_BACKEND    where background jobs wait for a worker: database (default) or immediate
EMAIL_HOST, EMAIL_PORT    the SMTP server that sends notifications (with EMAIL_HOST_USER,
                          EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, DEFAULT_FROM_EMAIL); console in debug
(README, "Settings" and "Running on several machines", lists them all.)
"""

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_number(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip() or str(default)
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}.") from None


def env_count(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip() or str(default)
    if not value.isdigit():
        raise ImproperlyConfigured(f"{name} must be a whole number ≥ 0, not {value!r}.")
    return int(value)


def env_delays(name: str, default: str) -> tuple[int, ...]:
    """Comma-separated whole numbers of seconds, each larger than the one before."""
    value = os.environ.get(name, default)
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not all(item.isdigit() and int(item) > 0 for item in items):
        raise ImproperlyConfigured(
            f"{name} must be whole numbers of seconds > 0, separated by commas "
            f"(e.g. {default}), not {value!r}."
        )
    delays = tuple(int(item) for item in items)
    if list(delays) != sorted(set(delays)):
        raise ImproperlyConfigured(
            f"{name} must list its delays in increasing order (e.g. {default}), not {value!r}."
        )
    return delays


TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]
DEBUG = env_bool("DJANGO_DEBUG")

# Outside debug and tests there is no fallback key: config.wsgi/asgi refuse to start without
# DJANGO_SECRET_KEY (management commands such as migrate still run).
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY and (DEBUG or TESTING):
    SECRET_KEY = "django-insecure-local-development-only-key-not-for-production-use"
MISSING_SECRET_KEY_MESSAGE = (
    "DJANGO_SECRET_KEY is not set. Set it to a long random string in production "
    "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
    "or set DJANGO_DEBUG=1 for local development."
)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks_db",
    "core",
    "accounts",
    "journal",
    "archive",
    "annotations",
    "intelligence",
    "agreement",
    "publication",
    "watching",
    # After publication: its deliveries are decided around the published read model's refresh.
    "webhooks",
    "notifications",
    "api",
    "desk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "journal.context.RequestIdMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "core.middleware.APIInEnglishMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.replica.ReplicaRoutingMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.csp",
                "desk.context_processors.review_waiting",
                "desk.context_processors.notifications_unread",
            ],
        },
    },
]

# SQLite by default: a busy timeout so concurrent writers wait instead of failing, and
# IMMEDIATE transactions so a write transaction takes its lock up front (no upgrade deadlock).
SQLITE_DATABASE = {
    "ENGINE": "django.db.backends.sqlite3",
    "NAME": BASE_DIR / "db.sqlite3",
    "OPTIONS": {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    },
}


def postgresql_database(url: str, name: str) -> dict:
    """One PostgreSQL alias from its URL, with the connection handling the environment asks
    for: persistent connections (DATABASE_CONN_MAX_AGE seconds, checked before reuse) or, with
    DATABASE_POOL=1, psycopg's connection pool per process (the two exclude each other); and
    DISABLE_SERVER_SIDE_CURSORS=1 for PgBouncer in transaction mode, where a cursor declared
    in one transaction cannot be fetched from in the next."""
    try:
        database = dj_database_url.parse(url)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} is not a database URL: {error}") from None
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(f"{name} must be a postgres:// URL, not {url!r}.")
    # Django's backend with a health check that costs no statement (config/postgresql).
    database["ENGINE"] = "config.postgresql"
    if env_bool("DATABASE_POOL"):
        min_size = env_count("DATABASE_POOL_MIN_SIZE", 2)
        max_size = env_count("DATABASE_POOL_MAX_SIZE", 10)
        if max_size < 1 or min_size > max_size:
            raise ImproperlyConfigured(
                "DATABASE_POOL_MIN_SIZE must not exceed DATABASE_POOL_MAX_SIZE, "
                f"which must be at least 1 (got {min_size} and {max_size})."
            )
        database.setdefault("OPTIONS", {})["pool"] = {
            "min_size": min_size,
            "max_size": max_size,
            # Seconds a request waits for a free connection before failing.
            "timeout": env_count("DATABASE_POOL_TIMEOUT", 10),
        }
        database["CONN_MAX_AGE"] = 0
        database["CONN_HEALTH_CHECKS"] = False
    else:
        database["CONN_MAX_AGE"] = env_count("DATABASE_CONN_MAX_AGE", 60)
        database["CONN_HEALTH_CHECKS"] = True
    database["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DISABLE_SERVER_SIDE_CURSORS")
    # The app's queries read a page: starting parallel workers for one costs more than the
    # query (at 1M claims a filtered page took 22 ms in a parallel plan, 1.6 ms without). Set
    # at connection, so it costs no statement; empty leaves the server's own setting (for a
    # PgBouncer that refuses the `options` start-up parameter).
    parallel = os.environ.get("DATABASE_PARALLEL_WORKERS", "0").strip()
    if parallel:
        workers = env_count("DATABASE_PARALLEL_WORKERS", 0)
        database.setdefault("OPTIONS", {})["options"] = (
            f"-c max_parallel_workers_per_gather={workers}"
        )
    return database


if os.environ.get("DATABASE_URL", "").startswith("sqlite:"):
    # Another SQLite file (sqlite:////tmp/claimdesk.sqlite3), with the same options.
    DATABASES = {
        "default": {
            **SQLITE_DATABASE,
            "NAME": dj_database_url.parse(os.environ["DATABASE_URL"])["NAME"],
        }
    }
elif os.environ.get("DATABASE_URL"):
    DATABASES = {"default": postgresql_database(os.environ["DATABASE_URL"], "DATABASE_URL")}
else:
    DATABASES = {"default": SQLITE_DATABASE}

# A read replica (a PostgreSQL streaming standby): anonymous and read-only-token reads go to
# it, everything else to the primary ("default"); see core/replica.py. Without it the router
# and its middleware change nothing.
CLAIMDESK_READ_REPLICA = False
if os.environ.get("DATABASE_REPLICA_URL"):
    if DATABASES["default"]["ENGINE"] != "config.postgresql":
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL needs a PostgreSQL DATABASE_URL: a replica is a copy of a "
            "PostgreSQL primary."
        )
    DATABASES["replica"] = postgresql_database(
        os.environ["DATABASE_REPLICA_URL"], "DATABASE_REPLICA_URL"
    )
    CLAIMDESK_READ_REPLICA = True
elif TESTING:
    # The suite has a "replica" alias that is the test database itself (a test mirror), so the
    # router's tests run on SQLite and PostgreSQL alike; the router stays off unless a test
    # sets CLAIMDESK_READ_REPLICA.
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
# After a user's write, how long (seconds) their reads stay on the primary, so they see their
# own change although the replica may lag; a signed cookie carries it to every app server.
CLAIMDESK_READ_YOUR_WRITES_SECONDS = env_count("CLAIMDESK_READ_YOUR_WRITES_SECONDS", 10)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# The interface speaks English (the default) and French: the language comes from the switch in
# the navigation (a cookie, through django.views.i18n.set_language), else from the browser's
# Accept-Language. The API always answers in English (core.middleware).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates in each language's own way ("12 Oct 2022", "12 octobre 2022"): config/formats/.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))

# The cache holds the API throttle's counts. With REDIS_URL every app server counts in the
# same Redis; without it each process has its own local-memory cache, so each process
# counts separately. Tests keep a local cache (the shared one has its own test, with its own
# Redis server).
if os.environ.get("REDIS_URL") and not TESTING:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "claimdesk",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background work (django.tasks). The database backend (django-tasks-db) keeps jobs in the
# database, so SQLite and PostgreSQL need no broker; "rq" (django-tasks-rq) queues them in
# Redis (REDIS_URL) for RQ's workers; `manage.py worker` runs either. "immediate" runs each
# job at once, in the process that enqueues it (no worker): the test suite's default.
CLAIMDESK_TASK_BACKEND = os.environ.get(
    "CLAIMDESK_TASK_BACKEND", "immediate" if TESTING else "database"
)
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}
if CLAIMDESK_TASK_BACKEND not in TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"CLAIMDESK_TASK_BACKEND must be one of {', '.join(TASK_BACKENDS)}, "
        f"not {CLAIMDESK_TASK_BACKEND!r}."
    )
if CLAIMDESK_TASK_BACKEND == "rq":
    if not os.environ.get("REDIS_URL"):
        raise ImproperlyConfigured("CLAIMDESK_TASK_BACKEND=rq needs REDIS_URL (redis://…).")
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": os.environ["REDIS_URL"]}}
TASKS = {"default": {"BACKEND": TASK_BACKENDS[CLAIMDESK_TASK_BACKEND], "QUEUES": ["default"]}}
# An import job whose worker has not reported for this many seconds is taken to have died
# (killed, machine lost) and is queued again; it resumes after its last stored item.
CLAIMDESK_JOB_STALE_AFTER = env_number("CLAIMDESK_JOB_STALE_AFTER", 60)
# Items an import stores per transaction (`manage.py archive` and jobs): a job killed between
# two batches resumes after the last one stored.
CLAIMDESK_IMPORT_BATCH = env_count("CLAIMDESK_IMPORT_BATCH", 200)
if CLAIMDESK_IMPORT_BATCH < 1:
    raise ImproperlyConfigured("CLAIMDESK_IMPORT_BATCH must be at least 1.")
# How often a worker looks for such jobs, in seconds.
CLAIMDESK_JOB_CHECK_INTERVAL = env_number("CLAIMDESK_JOB_CHECK_INTERVAL", 15)
# An import job is tried this many times in all before it is declared failed.
CLAIMDESK_JOB_MAX_ATTEMPTS = env_count("CLAIMDESK_JOB_MAX_ATTEMPTS", 3)
# Each import job runs in a child process of its worker that may use this much more memory
# (MB of address space) and run this many seconds; past either the job fails saying which and
# the worker goes on. A task row of the database backend still running after
# CLAIMDESK_JOB_MAX_SECONDS + CLAIMDESK_JOB_STALE_AFTER belongs to a dead worker: it is failed.
CLAIMDESK_JOB_MAX_MEMORY_MB = env_count("CLAIMDESK_JOB_MAX_MEMORY_MB", 512)
CLAIMDESK_JOB_MAX_SECONDS = env_number("CLAIMDESK_JOB_MAX_SECONDS", 3600)
# The largest file one import takes (a WARC holds many articles; each item inside is still
# bounded by CLAIMDESK_FETCH_MAX_BYTES), and the most URLs and files one import takes.
CLAIMDESK_IMPORT_MAX_BYTES = env_count("CLAIMDESK_IMPORT_MAX_BYTES", 512 * 2**20)
CLAIMDESK_IMPORT_MAX_URLS = env_count("CLAIMDESK_IMPORT_MAX_URLS", 100)
# The most files one upload request holds (Django's own limit is 100).
CLAIMDESK_IMPORT_MAX_FILES = env_count("CLAIMDESK_IMPORT_MAX_FILES", 1000)
DATA_UPLOAD_MAX_NUMBER_FILES = CLAIMDESK_IMPORT_MAX_FILES
# Where uploaded import files wait for the worker: every worker must see the same folder.
CLAIMDESK_IMPORT_DIR = Path(os.environ.get("CLAIMDESK_IMPORT_DIR", MEDIA_ROOT / "imports"))

# Languages the archive recognises for articles and claims (ISO 639-1), in the order offered.
# The site's public address (scheme, host, and a path prefix if any), from which the public
# pages' canonical links, embedded ClaimReview, feeds and sitemap name their pages: readers and
# search engines must see one address whatever host a request came through.
_first_host = next((host.lstrip(".") for host in ALLOWED_HOSTS if host != "*"), "")
CLAIMDESK_PUBLIC_URL = os.environ.get("CLAIMDESK_PUBLIC_URL", "").rstrip("/") or (
    f"https://{_first_host}" if _first_host and not (DEBUG or TESTING) else "http://127.0.0.1:8000"
)
CLAIMDESK_LANGUAGES = env_list("CLAIMDESK_LANGUAGES", "fr,en,ru,uk,de,es,kk,ky")
# Re-anchoring: the least similarity (0–1) at which a reworded quote is still the same claim.
CLAIMDESK_ANCHOR_THRESHOLD = env_number("CLAIMDESK_ANCHOR_THRESHOLD", 0.75)
# Re-anchoring runs in the transaction that stores a capture while the article has at most
# this many appearances to move; above it, in a background job (the appearances are marked
# "re-anchoring…" meanwhile).
CLAIMDESK_REANCHOR_INLINE_MAX = env_count("CLAIMDESK_REANCHOR_INLINE_MAX", 50)
# Claim intelligence: how many foreign insertions make a capture suggest `spun-or-garbled-text`.
CLAIMDESK_SPUN_MIN_INSERTIONS = env_count("CLAIMDESK_SPUN_MIN_INSERTIONS", 3)
# Fetching URLs to archive: seconds to wait, and the largest page accepted.
CLAIMDESK_FETCH_TIMEOUT = env_number("CLAIMDESK_FETCH_TIMEOUT", 15)
CLAIMDESK_FETCH_MAX_BYTES = env_count("CLAIMDESK_FETCH_MAX_BYTES", 10 * 2**20)
# Search (q=): the longest query text and the most words accepted; the databases fail on
# larger queries (PostgreSQL "tsquery stack too small", SQLite "Expression tree is too large").
CLAIMDESK_SEARCH_MAX_LENGTH = env_count("CLAIMDESK_SEARCH_MAX_LENGTH", 200)
CLAIMDESK_SEARCH_MAX_TERMS = env_count("CLAIMDESK_SEARCH_MAX_TERMS", 16)
# PostgreSQL search: a term in at least this share of claims is looked for by walking the
# list in order rather than collecting its every match from the index (annotations.search).
CLAIMDESK_SEARCH_WALK_FREQUENCY = env_number("CLAIMDESK_SEARCH_WALK_FREQUENCY", 0.004)
# Reading imported files (each a bound on what one hostile file can make a worker do; going
# past one fails that item, or the rest of that file, saying which setting it passed):
# - the bytes a compressed file (.warc.gz) may decompress to, and its decompression ratio
#   (decompressed ÷ compressed, counted once the first MiB is out: a gzip of zeros is ~1,000);
CLAIMDESK_DECOMPRESSED_MAX_BYTES = env_count("CLAIMDESK_DECOMPRESSED_MAX_BYTES", 4 * 2**30)
CLAIMDESK_DECOMPRESSION_MAX_RATIO = env_number("CLAIMDESK_DECOMPRESSION_MAX_RATIO", 100)
# - the records of a WARC file or lines of a JSON Lines file read from one file;
CLAIMDESK_IMPORT_MAX_RECORDS = env_count("CLAIMDESK_IMPORT_MAX_RECORDS", 100_000)
# - the headers of one WARC record (WARC and HTTP headers together);
CLAIMDESK_WARC_MAX_HEADER_BYTES = env_count("CLAIMDESK_WARC_MAX_HEADER_BYTES", 2**20)
# - how deeply a JSON Lines line may nest arrays and objects (an article needs 2);
CLAIMDESK_JSON_MAX_DEPTH = env_count("CLAIMDESK_JSON_MAX_DEPTH", 20)
# - the largest HTML page given to the text extractor (a file, a WARC record, a fetched page).
CLAIMDESK_HTML_MAX_BYTES = env_count("CLAIMDESK_HTML_MAX_BYTES", 10 * 2**20)
# Upload folders under CLAIMDESK_IMPORT_DIR that no queued or running import names are
# deleted by the workers once older than this many seconds.
CLAIMDESK_IMPORT_ORPHAN_AFTER = env_number("CLAIMDESK_IMPORT_ORPHAN_AFTER", 3600)
# Fetching loopback, private or link-local addresses (an intranet archive) is off by default,
# so that a URL given in the web UI cannot reach the servers behind Claimdesk.
CLAIMDESK_FETCH_ALLOW_PRIVATE = env_bool("CLAIMDESK_FETCH_ALLOW_PRIVATE")
# Webhook deliveries (README, "Webhooks"): each attempt's deadline in seconds (connect, send
# and answer), how many attempts in all, and the delay before the first retry, doubled at each
# one after (30 s, 1, 2, 4 … minutes); how much of a receiver's answer the log keeps. The
# private-address guard above applies to them too.
CLAIMDESK_WEBHOOK_TIMEOUT = env_number("CLAIMDESK_WEBHOOK_TIMEOUT", 10)
CLAIMDESK_WEBHOOK_MAX_ATTEMPTS = env_count("CLAIMDESK_WEBHOOK_MAX_ATTEMPTS", 8)
CLAIMDESK_WEBHOOK_RETRY_BASE = env_number("CLAIMDESK_WEBHOOK_RETRY_BASE", 30)
CLAIMDESK_WEBHOOK_RESPONSE_EXCERPT = env_count("CLAIMDESK_WEBHOOK_RESPONSE_EXCERPT", 500)

# Watching the news (watching/). Every worker looks for due watches and re-captures this often
# (seconds), between its jobs, in a thread of its own.
CLAIMDESK_SCHEDULE_INTERVAL = env_number("CLAIMDESK_SCHEDULE_INTERVAL", 10)
# An article holding a published claim is re-captured this many seconds after its first
# capture (comma-separated, increasing); set empty, on demand only.
CLAIMDESK_RECAPTURE_AFTER = env_delays(
    "CLAIMDESK_RECAPTURE_AFTER", "3600,21600,86400,259200,604800,2592000"
)

# The change feed (/api/changes/): how long a cursor stays valid, so that the tombstones it
# needs are kept (an older one answers 410 Gone: resync from /api/claims/).
CLAIMDESK_FEED_RETENTION_DAYS = env_count("CLAIMDESK_FEED_RETENTION_DAYS", 30)

# Mail (notifications): Django's SMTP backend as the default mailer, configured from the
# environment (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS or
# EMAIL_USE_SSL, EMAIL_TIMEOUT); with DJANGO_DEBUG the mails are printed on the console
# instead, and DJANGO_EMAIL_BACKEND names another backend. The worker sends them
# (notifications.tasks); the test suite collects them in django.core.mail.outbox.
EMAIL_BACKEND_PATH = os.environ.get("DJANGO_EMAIL_BACKEND", "") or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend"
)
MAILERS = {
    "default": {
        "BACKEND": EMAIL_BACKEND_PATH,
        "OPTIONS": (
            {
                "host": os.environ.get("EMAIL_HOST", "localhost"),
                "port": env_count("EMAIL_PORT", 25),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS"),
                "use_ssl": env_bool("EMAIL_USE_SSL"),
                "timeout": env_number("EMAIL_TIMEOUT", 30),
            }
            if EMAIL_BACKEND_PATH.endswith(".smtp.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Claimdesk <claimdesk@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The hour (UTC, 0-23) at which the daily digests of notifications are sent.
CLAIMDESK_DIGEST_HOUR = env_count("CLAIMDESK_DIGEST_HOUR", 7)
if CLAIMDESK_DIGEST_HOUR > 23:
    raise ImproperlyConfigured(
        f"CLAIMDESK_DIGEST_HOUR must be an hour from 0 to 23, not {CLAIMDESK_DIGEST_HOUR}."
    )

# Sessions stay in the database, not in the cache: they are written at login and read by
# logged-in users, whose reads go to the primary anyway (core/replica.py), and a Redis restart
# (the cache keeps nothing on disk) then logs nobody out. Every app server reads the same table.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Security: strict defaults; the HTTPS ones are relaxed only for local development and tests.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # page scripts read it to send X-CSRFToken with fetch/htmx
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not (DEBUG or TESTING):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_count("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# The API (DRF): JSON by default, session auth (CSRF enforced) for the browser and hashed
# API tokens for programs; cursor pagination; one error shape (core.api.exceptions).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.APITokenAuthentication",
        "accounts.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.authentication.ReadOnlyTokenCannotWrite"],
    # JSON only: the interactive documentation is Swagger UI at /api/docs/ (DRF's browsable
    # API relies on inline styles the CSP refuses).
    "DEFAULT_RENDERER_CLASSES": ["core.api.renderers.ORJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.api.renderers.ContentNegotiation",
    "DEFAULT_FILTER_BACKENDS": ["core.api.filters.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.CursorPagination",
    "PAGE_SIZE": 20,
    # DRF's rates, counted atomically in the cache (exact across processes and hosts).
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttling.AnonRateThrottle",
        "core.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("CLAIMDESK_API_ANON_RATE", "60/minute"),
        "user": os.environ.get("CLAIMDESK_API_USER_RATE", "600/minute"),
    },
    # Clients are told apart by the connection's address. X-Forwarded-For is believed only
    # as far as the number of proxies in front of Claimdesk that append to it (the right-most
    # addresses); 0, the default, ignores the header, which anyone can make up. (DRF's own
    # default, None, would take the whole header as given.)
    "NUM_PROXIES": env_count("CLAIMDESK_TRUSTED_PROXIES", 0),
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
if TESTING:
    # The suite makes many requests per minute from one client; the throttle test sets its
    # own rates.
    REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "100000/minute", "user": "100000/minute"}
API_MAX_PAGE_SIZE = 100

SPECTACULAR_SETTINGS = {
    "TITLE": "Claimdesk API",
    "DESCRIPTION": (
        "The annotated corpus: claims, where they appear in archived articles, and the "
        "editors' assessments of them. Anonymous users and read-only tokens see published "
        "annotations only. Authenticate programs with `Authorization: Token <key>`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.add_error_responses",
        "core.api.schema.close_request_bodies",
        "core.api.schema.bound_path_parameters",
        "core.api.schema.refuse_nul_in_text",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AnnotationStatusEnum": "annotations.models.Annotation.Status",
        "VerdictEnum": "annotations.models.Annotation.Verdict",
        "AnchorStatusEnum": "annotations.models.Appearance.Status",
        "AnchorMethodEnum": "annotations.models.Appearance.Method",
        "StanceEnum": "annotations.models.Evidence.Stance",
        "EvidenceKindEnum": "annotations.models.Evidence.Kind",
        "ImportStatusEnum": "archive.models.ImportJob.Status",
        "ImportOutcomeEnum": "archive.models.ImportItem.Outcome",
        "WatchKindEnum": "watching.models.Watch.Kind",
        # The archive's languages (articles, claims), and the interface's (a person's
        # notifications are written in one of them): two sets of fields named "language".
        "LanguageEnum": CLAIMDESK_LANGUAGES,
        "InterfaceLanguageEnum": [code for code, _name in LANGUAGES],
        "NotificationKindEnum": "notifications.models.Kind",
        "EmailDeliveryEnum": "notifications.models.Delivery",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors": {"()": "core.logging.ClientErrorsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own loggers print once, through the root's handler (Django's default
        # configuration gives "django" a console handler of its own, so each line came twice).
        "django": {"handlers": [], "propagate": True},
        "django.request": {"filters": ["client_errors"]},
        # The archive command reports each page trafilatura cannot extract, with its name.
        "trafilatura": {"level": "ERROR"},
    },
}

if TESTING:
    # Hashing strength is not under test; the default hasher costs seconds per suite.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
