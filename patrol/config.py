"""Configuration defaults.

`create_app` loads these, then every environment variable with the prefix `PATROL_`
(`PATROL_DATABASE_URL`, `PATROL_SECRET_KEY`, ...), then the `overrides` a test passes in.
"""

from datetime import timedelta
from pathlib import Path

# The repository: migrations, static files, shared templates, the service worker.
ROOT = Path(__file__).resolve().parent.parent


class Defaults:
    # "development" or "production". Production refuses to start without a secret key and never
    # seeds demo users; development keeps a generated key in the instance folder.
    ENV = "development"
    SECRET_KEY = None
    # None: a SQLite file in the instance folder.
    DATABASE_URL = None
    # None: files under <instance>/photos.
    PHOTO_DIR = None
    # "files" (PHOTO_DIR, one host), "database" (several app hosts on one PostgreSQL) or "s3"
    # (an S3 object store such as SeaweedFS: S3_ENDPOINT, S3_BUCKET, and the credentials in
    # AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY as boto3 reads them).
    PHOTO_STORE = "files"
    S3_ENDPOINT = None
    S3_BUCKET = None
    # Short: a photo upload waiting on a dead store holds the phone's sync; it answers 503
    # with Retry-After instead and the phone sends the photo again later.
    S3_CONNECT_TIMEOUT_S = 2
    S3_READ_TIMEOUT_S = 10
    S3_MAX_ATTEMPTS = 2

    # A guard logs in once before the shift; the session must outlast the longest shift
    # (weekends 19:30-05:00) with margin.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=14)
    # The cookie's lifetime counts from login, not from the last request: the server-side
    # session row (patrol/auth/sessions.py) is what keeps a login alive or ends it, and not
    # re-signing and re-sending the cookie on every sync request saves a third of a
    # millisecond per request.
    SESSION_REFRESH_EACH_REQUEST = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "patrol_session"
    # None: the cookie travels only over HTTPS in production, over both in development.
    # PATROL_SESSION_COOKIE_SECURE=true/false decides it either way (e.g. behind a TLS proxy).
    SESSION_COOKIE_SECURE = None

    # Flask-WTF: we call csrf.protect() ourselves so that 401 comes before the CSRF check.
    WTF_CSRF_CHECK_DEFAULT = False
    WTF_CSRF_HEADERS = ["X-CSRFToken"]
    # The token lives as long as the session; the phone fetches a fresh one before each sync.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_SSL_STRICT = False

    BABEL_DEFAULT_LOCALE = "sv"
    # BABEL_DEFAULT_TIMEZONE is set by patrol.i18n from patrol.nights, the zone's one home.
    LANGUAGES = ("sv", "en")

    # Argon2id parameters (argon2-cffi's RFC 9106 low-memory profile by default).
    PASSWORD_HASH_TIME_COST = 3
    PASSWORD_HASH_MEMORY_KIB = 65536

    # How many proxies in front of the app set X-Forwarded-For/-Proto (0: none; the headers
    # are ignored). With 1, the login limit per address counts the client's real address.
    TRUSTED_PROXIES = 0
    # The proxies' own addresses (addresses or CIDR networks, comma-separated; "unix" for a
    # unix socket): forwarded headers are believed only on requests from these. Loopback by
    # default, for nginx on the same host in front of gunicorn bound to 127.0.0.1.
    TRUSTED_PROXY_ADDRESSES = "127.0.0.0/8, ::1, unix"

    # Login limits (architecture §5a), in a sliding window: failures per account from one
    # address (that pair is refused until one ages out), per address, and per account from any
    # addresses, after which the account takes one attempt per LOGIN_ACCOUNT_PACE (so a
    # guesser elsewhere never locks the owner of the account out for more than that).
    LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS = 10
    LOGIN_FAILURES_PER_ADDRESS = 50
    LOGIN_FAILURES_BEFORE_ACCOUNT_PACE = 20
    LOGIN_ACCOUNT_PACE = timedelta(seconds=30)
    LOGIN_FAILURE_WINDOW = timedelta(minutes=15)

    # The second step of signing in (issue 27): how long the half-signed-in state after a right
    # password lasts, by the server's clock.
    SECOND_STEP_LIFETIME = timedelta(minutes=5)
    # FOR TESTS ONLY, refused in production (configcheck): users without a second factor sign
    # in with the password alone even where their role requires one (the suite's many login
    # helpers). A user who has a factor is still asked for it.
    TESTS_SKIP_SECOND_FACTOR_SETUP = False

    # Sync rules (architecture §5a).
    SHIFT_END_GRACE = timedelta(minutes=15)
    CLOCK_SKEW_LIMIT = timedelta(minutes=5)
    # A record's time later than the server's clock, or before its shift began, by more than
    # this is flagged "implausible_time" (architecture §2.3).
    IMPLAUSIBLE_TIME_MARGIN = timedelta(hours=1)

    # Logs: "text" (key=value) or "json", one line per request and per worker job (patrol/logs.py).
    LOG_FORMAT = "text"
    # Who may read /metrics: addresses or networks, comma-separated (nginx denies it outside).
    METRICS_ALLOW = "127.0.0.1,::1"

    # The server clock: None is the real time; tests set one with `patrol.db.set_clock`.
    CLOCK = None

    # The worker (`flask --app app worker`): seconds between passes over outboxes and jobs.
    WORKER_POLL_S = 5.0

    # Retention (PATROL_RETENTION_<KIND>_DAYS), counted from when the server received the data;
    # `flask --app app purge` applies them (see patrol/privacy/rules.py and the README).
    RETENTION_PHOTOS_DAYS = 180
    RETENTION_POSITIONS_DAYS = 90
    RETENTION_REPORT_TEXTS_DAYS = 365
    RETENTION_LOGIN_RECORDS_DAYS = 30
    RETENTION_PUSH_SUBSCRIPTIONS_DAYS = 180
    # Injuries written on a threat or violence incident: health data (GDPR art. 9), emptied
    # after two years (the incident and its follow-up stay).
    RETENTION_INJURIES_DAYS = 730
    # The worker applies them every morning at this Stockholm time (the scheduled job "purge").
    PURGE_AT = "11:00"

    # Photos.
    MAX_PHOTO_BYTES = 15 * 1024 * 1024
    MAX_PHOTO_PIXELS = 40_000_000
    THUMBNAIL_EDGE = 320
    # Bodies larger than this are refused before the view runs (photos are the largest).
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    # The supervisor on duty: the guard app's "Ring arbetsledaren" (a tel: link) beside a
    # pending SOS. Empty: only "Ring 112" is offered.
    DUTY_PHONE = ""
    # Alone at night (the lone-worker rules): minutes without anything from an open shift's
    # phone before the server raises the silence alarm, and minutes an alarm may stay
    # unacknowledged before it escalates (SOS and "Jag är OK" timers; silence). Each area may
    # set its own in /admin/; these are the defaults.
    SILENCE_MINUTES = 45
    ESCALATION_SOS_MINUTES = 3
    ESCALATION_SILENCE_MINUTES = 15
    # The alarm receiver (an alarm centre, a duty phone's SMS gateway): the last step of the
    # escalation, a signed webhook. Empty: the chain ends with the supervisors.
    ALARM_WEBHOOK_URL = ""
    ALARM_WEBHOOK_SECRET = ""
    # The address phones reach this server by, for the QR codes' /c/<token> links (and email
    # links); None in development: the host of the request.
    PUBLIC_URL = None

    # Push. VAPID_SUBJECT: "mailto:" or "https:"; push stays off outside development until set.
    VAPID_SUBJECT = None
    # Push-service hosts ("host" or "host:port", comma-separated) beside the well-known ones.
    PUSH_ALLOWED_HOSTS = ""
    # PEM text or the raw 32-byte P-256 key in base64url; else <instance>/vapid_private.pem.
    VAPID_PRIVATE_KEY = None
    # Signing reviewed nights (patrol/evidence): PEM text or the raw 32-byte Ed25519 key in
    # base64url; else <instance>/signing_key.pem, written on first use.
    SIGNING_KEY = None
    PUSH_REQUEST_TIMEOUT_S = 10.0
    PUSH_MAX_ATTEMPTS = 10
    PUSH_RETRY_BASE_S = 2.0
    PUSH_RETRY_MAX_S = 300.0
    # A push service's Retry-After longer than this is cut short (the TTL ends it anyway).
    PUSH_RETRY_AFTER_MAX_S = 3600.0
    # How long a worker's claim on a batch lasts; longer than a batch can take to send.
    # (From the environment both durations are seconds.)
    PUSH_CLAIM_LEASE = timedelta(minutes=5)
    PUSH_WORKER_POLL_S = 1.0
    # Sent, gone and failed messages are deleted after this (an SOS payload holds a position).
    PUSH_KEEP = timedelta(days=7)

    # Mail (issue 13): SMTP through the outbox that `flask --app app worker` drains.
    SMTP_HOST = "localhost"
    SMTP_PORT = 25
    SMTP_USERNAME = None
    SMTP_PASSWORD = None
    SMTP_STARTTLS = False
    SMTP_TIMEOUT_S = 30.0
    MAIL_FROM = "Nattpatrull <nattpatrull@localhost>"
    # Retries on SMTP errors: exponential backoff with jitter, capped; given up after a day
    # and a half (a mail server down for an hour loses nothing).
    MAIL_RETRY_BASE_S = 30.0
    MAIL_RETRY_MAX_S = 900.0
    MAIL_GIVE_UP_AFTER = timedelta(hours=36)
    MAIL_CLAIM_LEASE = timedelta(minutes=5)
    # Webhooks (the alarm receiver, the integrations): signed POSTs through the outbox that
    # `flask --app app worker` drains. Alarms retry soon; a receiver down for hours loses
    # nothing until WEBHOOK_GIVE_UP_AFTER (seconds from the environment).
    WEBHOOK_RETRY_BASE_S = 10.0
    WEBHOOK_RETRY_MAX_S = 600.0
    WEBHOOK_GIVE_UP_AFTER = timedelta(hours=24)
    WEBHOOK_CLAIM_LEASE = timedelta(minutes=2)
    WEBHOOK_CONNECT_TIMEOUT_S = 5.0
    WEBHOOK_READ_TIMEOUT_S = 10.0
    # Delivered and failed deliveries are deleted after this (the delivery log's span).
    WEBHOOK_KEEP = timedelta(days=30)
    # The morning emails, in Stockholm time: the owners' news when the night is not marked
    # reviewed earlier, and the day crew's work orders.
    OWNER_NEWS_AT = "10:00"
    DAY_CREW_MAIL_AT = "06:45"
