"""Run the emulator as its own process: python -m tests.emulator --port N"""
import argparse
import sys

from .app import create_app
from .server import make_gevent_server


def main(argv=None):
    parser = argparse.ArgumentParser(description="Fake upstream LLM provider for tests")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)
    server = make_gevent_server(create_app(), args.host, args.port)
    server.start()
    print(f"emulator listening on http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
