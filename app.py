"""Serve the gateway without gunicorn (Windows, development, small hosts): ``python app.py``.

Runs the same application on gevent's own WSGI server, with the same environment variables. The server is
production-capable (cooperative, keep-alive, streaming); on Linux prefer gunicorn for several workers.
"""
from gevent import monkey

monkey.patch_all()  # before anything else is imported

import argparse  # noqa: E402
import gc  # noqa: E402
import logging  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402

import gevent  # noqa: E402
from gevent.event import Event  # noqa: E402
from gevent.pool import Pool  # noqa: E402
from gevent.pywsgi import WSGIHandler, WSGIServer  # noqa: E402

from oneapi import config, create_app  # noqa: E402

log = logging.getLogger("oneapi.server")


class _NoDelayHandler(WSGIHandler):
    """Disable Nagle per connection: without it keep-alive clients wait ~40 ms on every small response."""

    def __init__(self, sock, address, server, rfile=None):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        super().__init__(sock, address, server, rfile)


def main() -> None:
    parser = argparse.ArgumentParser(description="One API for Python")
    parser.add_argument("--port", type=int, default=None, help="listen port (PORT env overrides the default 3000)")
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--version", action="store_true")
    args = parser.parse_args()
    if args.version:
        from oneapi import __version__
        print(__version__)
        return
    cfg = config.settings
    port = cfg.port if args.port is None else args.port
    app = create_app(cfg)
    gc.freeze()  # as gunicorn.conf.py's post_worker_init: the app's own objects stay out of full collections
    # A pool (not bare greenlets) so that stopping can cut what is left after the drain.
    server = WSGIServer((args.host, port), app, handler_class=_NoDelayHandler, log=None, error_log=log,
                        spawn=Pool(10_000))
    stop_requested = Event()

    for sig in (getattr(signal, "SIGTERM", None), signal.SIGINT):
        if sig is not None:
            try:
                gevent.signal_handler(sig, stop_requested.set)
            except (AttributeError, ValueError, NotImplementedError):  # Windows: no SIGTERM in the loop
                signal.signal(sig, lambda *_: stop_requested.set())
    server.start()
    log.info("listening on %s:%s", args.host, port)
    stop_requested.wait()

    # Stop accepting, let in-flight requests and streams finish, then drop idle keep-alive connections.
    from oneapi import lifecycle
    from oneapi.ops.shutdown import drain
    log.info("stopping: waiting up to %ss for in-flight requests", cfg.shutdown_timeout)
    server.close()
    drain(app, cfg.shutdown_timeout)
    server.stop(timeout=0.5)
    lifecycle.shutdown()


if __name__ == "__main__":
    main()
