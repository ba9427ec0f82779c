"""Gunicorn settings for DUA-portalen: `gunicorn -c gunicorn.conf.py "portal:create_app()"` (docs/deploy.md).

`make bench` serves the portal with this same file, so what it measures is what runs. Every setting can be
changed from the environment without editing the file.
"""
import gc
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
#: Sync workers, one request at a time each: pages are CPU-bound (templates, the gate, python-docx) and hold one
#: database transaction; nginx in front buffers slow clients, so a worker is never held by a slow network.
#: About one per core; add app servers rather than many workers on one (docs/deploy.md).
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
#: Build the app once in the master; workers share its memory pages copy-on-write (see post_fork).
preload_app = True
#: Recycle a worker after about this many requests, with jitter so the workers never restart together. It bounds
#: memory that CPython and glibc do not hand back, e.g. heap fragmented by lxml while python-docx writes documents.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "500"))
#: A .docx of a long agreement takes well under a second; a worker stuck for a minute is killed and replaced.
timeout = 60
graceful_timeout = 30
#: nginx keeps its connections to gunicorn open (keepalive in its upstream block, docs/deploy.md).
keepalive = 5
#: nginx logs every request; set GUNICORN_ACCESS_LOG=- to log them here too.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
#: The proxy whose X-Forwarded-* headers gunicorn trusts (the portal's own TRUSTED_PROXIES does the rest).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "dua-portalen"


def post_fork(server, worker):
    """In each new worker: keep the master's objects out of the garbage collector, and its connections unused."""
    # Everything built before the fork (modules, templates, the app) moves to the permanent generation: collections
    # in the worker no longer write to those objects' headers, so their pages stay shared with the master instead
    # of being copied into every worker, and each collection has less to walk.
    gc.freeze()
    app = getattr(server.app, "callable", None)
    extension = getattr(app, "extensions", {}).get("sqlalchemy")
    if extension is not None:
        # A connection the master may have opened must never be shared by two processes.
        with app.app_context():
            extension.engine.dispose(close=False)
