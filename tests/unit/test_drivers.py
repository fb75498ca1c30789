"""A SQLite worker never loads the MySQL driver (and the cryptography bindings it drags in); a MySQL DSN gets it."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]


def _run(code: str, tmp_path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("SQL_DSN", "LOG_SQL_DSN")}
    env.update(SQLITE_PATH=str(tmp_path / "d.db"), PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def test_sqlite_app_does_not_import_pymysql(tmp_path):
    out = _run("import sys, wsgi; from oneapi.models import User; User.select().count(); "
               "print('pymysql' in sys.modules, 'cryptography' in sys.modules)", tmp_path)
    assert out == "False False"


def test_load_mysql_hands_the_driver_to_peewee(tmp_path):
    out = _run("import oneapi, peewee; before = peewee.mysql; from oneapi import drivers; drivers.load_mysql(); "
               "print(before is None, peewee.mysql.__name__)", tmp_path)
    assert out == "True pymysql"
