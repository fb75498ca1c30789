"""Process-wide logging: plain lines on stderr, debug level with DEBUG=true, SQL with DEBUG_SQL=true."""
import logging
import sys

from oneapi.config import Config

_configured = False


def configure(cfg: Config) -> None:
    global _configured
    if _configured:
        return
    _configured = True
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[%(levelname)s] %(asctime)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if cfg.debug else logging.INFO)
    logging.getLogger("peewee").setLevel(logging.DEBUG if cfg.debug_sql else logging.WARNING)
    for noisy in ("urllib3", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
