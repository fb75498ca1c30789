"""WSGI entry point for gunicorn: ``gunicorn -c gunicorn.conf.py wsgi:app``."""
from gevent import monkey

monkey.patch_all()  # before anything else is imported (peewee's thread-locals, ssl, requests)

from oneapi import create_app  # noqa: E402

app = create_app()
