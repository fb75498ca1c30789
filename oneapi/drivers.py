"""The MySQL driver, imported only when a MySQL database is opened.

peewee imports every driver it knows on its own first import, and pymysql brings cryptography's OpenSSL
bindings with it: about 20 MB per worker that a SQLite or PostgreSQL deployment never uses. ``defer_mysql``
(run by the package before anything imports peewee) hides pymysql from that import; ``load_mysql`` hands it to
peewee when a MySQL DSN is opened.
"""
from __future__ import annotations

import sys

_HIDDEN = ("pymysql", "MySQLdb")


def defer_mysql() -> None:
    if "peewee" in sys.modules or "pymysql" in sys.modules:
        return
    for name in _HIDDEN:
        sys.modules[name] = None  # an import of a None entry raises ImportError
    try:
        import peewee  # noqa: F401
    finally:
        for name in _HIDDEN:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]


def load_mysql() -> None:
    import peewee
    if peewee.mysql is None:
        import pymysql
        peewee.mysql = pymysql
