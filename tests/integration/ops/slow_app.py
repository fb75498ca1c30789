"""The real gateway plus two test-only pieces, for the graceful shutdown tests.

* ``GET /_test/slow?chunks=N&interval=S`` streams N lines, one every S seconds (a long SSE-like response);
* ``GET /_test/pid`` answers the serving process id (which instance behind a proxy answered);
* a lifecycle hook that appends "flushed <time>" to ``$ONEAPI_TEST_SHUTDOWN_MARK`` (stands in for the
  batched quota flush).

gunicorn: ``gunicorn -c gunicorn.conf.py tests.integration.ops.slow_app:app``;
``python -m tests.integration.ops.slow_app [app.py arguments]`` runs ``app.py``'s server instead.
"""
from gevent import monkey

monkey.patch_all()

import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from flask import Response, request  # noqa: E402

import oneapi  # noqa: E402
from oneapi import lifecycle  # noqa: E402

_create_app = oneapi.create_app


def create_app(*args, **kwargs):
    app = _create_app(*args, **kwargs)

    @app.get("/_test/slow")
    def slow():
        chunks = int(request.args.get("chunks", "5"))
        interval = float(request.args.get("interval", "0.5"))

        def body():
            for i in range(chunks):
                yield f"data: {i}\n\n"
                time.sleep(interval)
            yield "data: [DONE]\n\n"

        return Response(body(), mimetype="text/event-stream")

    @app.get("/_test/pid")
    def pid():
        return str(os.getpid())

    mark = os.environ.get("ONEAPI_TEST_SHUTDOWN_MARK")
    if mark:
        def _flush():
            with open(mark, "a") as f:
                f.write(f"flushed {time.time()}\n")
        lifecycle.on_shutdown(_flush)
    return app


oneapi.create_app = create_app

if __name__ == "__main__":
    import runpy
    sys.argv = ["app.py", *sys.argv[1:]]
    runpy.run_path(os.path.join(os.path.dirname(oneapi.__file__), "..", "app.py"), run_name="__main__")
else:
    app = create_app()
