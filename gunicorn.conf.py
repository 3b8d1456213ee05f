"""gunicorn settings for SEM: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every setting comes from the environment, so one file serves a laptop and a federation:
  BIND                 address to listen on (default 127.0.0.1:8000: behind a reverse proxy)
  WEB_CONCURRENCY      worker processes (default: 2 per CPU core + 1)
  GUNICORN_THREADS     threads per worker (default 1: sync workers; >1 switches to gthread)
  GUNICORN_TIMEOUT     seconds a worker may spend on one request before it is restarted (30)
  FORWARDED_ALLOW_IPS  proxies whose X-Forwarded-Proto gunicorn trusts (default 127.0.0.1,::1)
  ACCESS_LOG           where request lines go ("-": standard output, "" to turn off)
The application itself trusts X-Forwarded-For/-Proto/-Host from PROXY_COUNT proxies (config.py).
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
graceful_timeout = 30
keepalive = 5
# Restart a worker now and then, so a slow leak never grows without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))  # 0: never
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Requests larger than this are refused before they reach the app (CSV imports stay far below).
limit_request_line = 8190

# Structured request log: one key=value line per request; `ms` is the time the worker spent
# on it (server time, from the first byte read to the last byte written).
_access = os.environ.get("ACCESS_LOG", "-")
accesslog = _access or None
access_log_format = ('method=%(m)s path="%(U)s" query="%(q)s" status=%(s)s bytes=%(B)s us=%(D)s '
                     'remote=%(h)s worker=%(p)s agent="%(a)s"')
loglevel = os.environ.get("LOG_LEVEL", "info")
proc_name = "sem"

# The same key=value shape for gunicorn's own messages and the application's (errors with
# their traceback), on standard error; request lines on standard output or in ACCESS_LOG.
_stream = {"class": "logging.StreamHandler", "formatter": "kv", "stream": "ext://sys.stderr"}
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "kv": {"format": 'at=%(asctime)s level=%(levelname)s logger=%(name)s pid=%(process)d msg="%(message)s"'},
        "access": {"format": "at=%(asctime)s %(message)s"},
    },
    "handlers": {
        "console": _stream,
        "access": ({"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout"}
                   if _access in ("-", "") else
                   {"class": "logging.FileHandler", "formatter": "access", "filename": _access}),
    },
    "root": {"level": loglevel.upper(), "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "INFO" if _access else "CRITICAL", "handlers": ["access"], "propagate": False},
    },
}
