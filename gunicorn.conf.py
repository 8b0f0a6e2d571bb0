"""gunicorn settings, for production and for `make bench`: `gunicorn -c gunicorn.conf.py`.

Each setting can be overridden from the environment (CHECKIN_BIND, WEB_CONCURRENCY,
CHECKIN_THREADS, CHECKIN_ACCESS_LOG) or on the command line. The app is built in each worker,
never in the master (no preload): database connections and the rate limiter's storage client
must not be shared across a fork.
"""

import multiprocessing
import os

wsgi_app = "checkin:create_app()"
# Behind the TLS proxy on the same machine; the proxy alone faces the network.
bind = os.environ.get("CHECKIN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "gthread"
# Threads overlap the waits on the database and on slow phones' uploads. On SQLite they also
# make registrations cheaper: the writers of one worker that wait for the write lock together
# commit together (checkin/database.py group_write), one fsync for the group; with 8 threads a
# group held about 6 registrations under `make bench`, with 4 about 3.
threads = int(os.environ.get("CHECKIN_THREADS", 8))
# Keep-alive between the proxy and gunicorn spares a TCP handshake per request.
keepalive = 5
# Access log: "-" is stdout (the journal under systemd), unset none. Ticket links and pairing
# codes in it are redacted by the app (checkin/web/logs.py filters gunicorn.access).
accesslog = os.environ.get("CHECKIN_ACCESS_LOG") or None
# A request that takes this long is stuck: the worker is replaced.
timeout = 30
graceful_timeout = 20
# Workers recycle now and then, staggered, so that a slow leak never builds up.
max_requests = 20_000
max_requests_jitter = 2_000
# gunicorn 25+ opens a control socket at one default path per user: two servers on one machine
# (checkin-web@8001 and @8002) would take it from each other. systemd's HUP and TERM do its job.
control_socket_disable = True
