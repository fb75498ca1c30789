"""gunicorn settings: ``gunicorn -c gunicorn.conf.py wsgi:app`` (--bind/--workers on the command line win)."""
from gevent import monkey

monkey.patch_all()  # first: also covers --preload, which imports the app in the master

from oneapi import config as _config_module  # noqa: E402  (a global named "config" is a gunicorn setting)

_cfg = _config_module.settings

bind = f"0.0.0.0:{_cfg.port}"
workers = _cfg.workers
worker_class = "gevent"
worker_connections = 4000
graceful_timeout = _cfg.shutdown_timeout
timeout = 120  # heartbeat only: gevent workers keep long streams alive regardless
keepalive = 75
accesslog = None
errorlog = "-"


def worker_exit(server, worker):
    from oneapi import lifecycle
    lifecycle.shutdown()
