"""gunicorn settings: ``gunicorn -c gunicorn.conf.py wsgi:app`` (--bind/--workers on the command line win)."""
from gevent import monkey

monkey.patch_all()  # first: also covers --preload, which imports the app in the master

import glob  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

from oneapi import config as _config  # noqa: E402  (a bare `config` would be read as a gunicorn setting)

_cfg = _config.settings

bind = f"0.0.0.0:{_cfg.port}"
workers = _cfg.workers
worker_class = "gevent"
worker_connections = 4000
# SIGTERM: each worker lets in-flight requests and streams run for up to SHUTDOWN_TIMEOUT (see post_worker_init),
# then flushes (lifecycle hooks); the master kills workers only after a further margin for that flush.
_FLUSH_MARGIN_S = 15
graceful_timeout = _cfg.shutdown_timeout + _FLUSH_MARGIN_S
timeout = 120  # heartbeat only: gevent workers keep long streams alive regardless
keepalive = 5  # short: an idle keep-alive connection holds a worker this long after SIGTERM; nginx closes first (4 s)
accesslog = None
errorlog = "-"
# gunicorn's runtime control socket ($HOME/.gunicorn/gunicorn.ctl) would be shared by every instance on a host
# or data volume; turn it on per instance with --control-socket PATH when gunicornc is wanted.
control_socket_disable = True

# Prometheus: every worker writes its samples to files in one directory, and a scrape on any worker sums
# them (prometheus_client's multiprocess mode). The variable is prometheus_client's own switch and must be
# set before it is imported anywhere, i.e. here in the master before workers start.
_own_metrics_dir = None
if _cfg.enable_prometheus_metrics and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _own_metrics_dir = tempfile.mkdtemp(prefix="oneapi-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _own_metrics_dir


def _date_header_once_per_second():
    """gunicorn formats the Date header with email.utils for every response (2% of a relayed request); the
    text only changes once a second."""
    import time

    from gunicorn import util
    formatted = util.http_date
    last = [0, ""]

    def http_date(timestamp=None):
        if timestamp is not None:
            return formatted(timestamp)
        now = int(time.time())
        if now != last[0]:
            last[0], last[1] = now, formatted(now)
        return last[1]

    util.http_date = http_date


_date_header_once_per_second()


def on_starting(server):
    # Migrate and bootstrap once here, so that several workers never race on a new database.
    from oneapi.logging_setup import configure
    from oneapi.ops.startup import prepare_database
    configure(_cfg)
    prepare_database(_cfg)

    metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if metrics_dir:  # samples of an earlier run would be added to this one's
        os.makedirs(metrics_dir, exist_ok=True)
        for stale in glob.glob(os.path.join(metrics_dir, "*.db")):
            os.remove(stale)


def post_worker_init(worker):
    # In the worker process only: its own drain ends at SHUTDOWN_TIMEOUT, before the master's deadline.
    worker.cfg.set("graceful_timeout", _cfg.shutdown_timeout)
    # The app's import-time objects live as long as the worker: out of the collector's sight, full
    # collections (pauses of 30-140 ms under stream load) scan only what requests create.
    import gc
    gc.freeze()


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(worker.pid)  # its live gauges (in-flight streams) stop counting


def worker_exit(server, worker):
    from oneapi import lifecycle
    lifecycle.shutdown()


def on_exit(server):
    if _own_metrics_dir:
        shutil.rmtree(_own_metrics_dir, ignore_errors=True)
