"""Serving the emulator: gevent.pywsgi in a background thread, werkzeug in a thread, or a subprocess."""
import json
import os
import socket
import subprocess
import sys
import threading
import urllib.request

from .app import create_app
from .wire import ConnectionCut

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make_gevent_server(app, host="127.0.0.1", port=0):
    from gevent import pywsgi
    from gevent.pool import Pool

    class Handler(pywsgi.WSGIHandler):
        def handle_error(self, t, v, tb):
            if issubclass(t, ConnectionCut):  # the `cut` scenario: just drop the connection, quietly
                self.close_connection = True
                return
            super().handle_error(t, v, tb)

        def get_environ(self):
            env = super().get_environ()
            env["RAW_URI"] = self.path  # the request target as sent: SigV4 signs the encoded path
            return env

    class NoDelayServer(pywsgi.WSGIServer):
        def handle(self, sock, address):
            # Without TCP_NODELAY, keep-alive requests wait ~40 ms (Nagle + delayed ACK).
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return super().handle(sock, address)

    # A pool lets stop() kill handlers still inside a stalled or slow response.
    return NoDelayServer((host, port), app, log=None, error_log=None, handler_class=Handler, spawn=Pool(10_000))


class Emulator:
    """A running emulator. `url` is its base URL; `requests()` lists what it received."""

    def __init__(self, url, app=None, stopper=None):
        self.url = url
        self.port = int(url.rsplit(":", 1)[1])
        self.app = app            # the in-process app (None in subprocess mode)
        self._stopper = stopper

    def scenario_url(self, *names):
        """Base URL that selects scenarios, e.g. emu.scenario_url("fail500") -> http://.../s/fail500"""
        return f"{self.url}/s/{','.join(names)}" if names else self.url

    def requests(self, api_path=None):
        if self.app is not None:
            items = self.app.recorder.items()
        else:
            with urllib.request.urlopen(self.url + "/_emu/requests", timeout=10) as resp:
                items = json.loads(resp.read())
        if api_path:
            items = [i for i in items if i["api_path"] == api_path]
        return items

    def last_request(self, api_path=None):
        items = self.requests(api_path)
        return items[-1] if items else None

    def clear(self):
        if self.app is not None:
            self.app.reset()
            return
        req = urllib.request.Request(self.url + "/_emu/requests", method="DELETE")
        urllib.request.urlopen(req, timeout=10).close()

    def stop(self):
        if self._stopper:
            self._stopper()
            self._stopper = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start_emulator(mode="thread", host="127.0.0.1", port=0):
    """Start an emulator. mode: "thread" (gevent.pywsgi), "werkzeug" (threaded dev server) or "subprocess"."""
    if mode == "subprocess":
        return _start_subprocess(host, port)
    app = create_app()
    if mode == "werkzeug":
        return _start_werkzeug(app, host, port)
    return _start_gevent_thread(app, host, port)


def _start_gevent_thread(app, host, port):
    ready = threading.Event()
    state = {}

    def run():
        import gevent
        from gevent.event import Event
        try:
            server = make_gevent_server(app, host, port)
            server.start()
        except Exception as exc:  # surfaced to the caller below
            state["error"] = exc
            ready.set()
            return
        stop = Event()
        state.update(server=server, hub=gevent.get_hub(), stop=stop)
        ready.set()
        stop.wait()
        server.stop(timeout=0.5)

    thread = threading.Thread(target=run, name="provider-emulator", daemon=True)
    thread.start()
    ready.wait(10)
    if "error" in state:
        raise state["error"]

    def stopper():
        state["hub"].loop.run_callback_threadsafe(state["stop"].set)
        thread.join(5)

    return Emulator(f"http://{host}:{state['server'].server_port}", app, stopper)


def _start_werkzeug(app, host, port):
    from werkzeug.serving import make_server

    server = make_server(host, port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="provider-emulator", daemon=True)
    thread.start()

    def stopper():
        server.shutdown()
        server.server_close()
        thread.join(5)

    return Emulator(f"http://{host}:{server.server_port}", app, stopper)


def _start_subprocess(host, port):
    proc = subprocess.Popen([sys.executable, "-m", "tests.emulator", "--host", host, "--port", str(port)],
                            cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()  # "emulator listening on http://HOST:PORT"
    if "listening on" not in line:
        proc.kill()
        raise RuntimeError(f"emulator subprocess failed to start: {line!r}")

    def stopper():
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        proc.stdout.close()

    return Emulator(line.rsplit(" ", 1)[1].strip(), None, stopper)
