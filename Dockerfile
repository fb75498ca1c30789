# One API for Python: docker build -t one-api-py .   (x86_64 and ARM64: every dependency ships wheels for both)
# docker run -d -p 3000:3000 -v /srv/one-api:/data one-api-py   then log in as root / 123456

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements.txt /tmp/requirements.txt
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-compile -r /tmp/requirements.txt

FROM python:3.11-slim
LABEL org.opencontainers.image.title="one-api-py" \
      org.opencontainers.image.description="Drop-in Python replacement for the One API LLM gateway"

# An unprivileged account owns the data volume; the code stays read-only to it.
RUN groupadd --system --gid 10001 oneapi \
    && useradd --system --uid 10001 --gid oneapi --home-dir /data --no-create-home oneapi \
    && mkdir -p /data/logs \
    && chown -R oneapi:oneapi /data

COPY --from=build /opt/venv /opt/venv
COPY wsgi.py app.py gunicorn.conf.py requirements.txt /app/
COPY oneapi /app/oneapi
COPY templates /app/templates
COPY static /app/static

# The code lives in /app (on PYTHONPATH); the working directory is the data volume, so relative paths
# (SQLITE_PATH, LOG_DIR) land there as with the original image.
ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PORT=3000 \
    SQLITE_PATH=/data/one-api.db \
    LOG_DIR=/data/logs

WORKDIR /data
VOLUME /data
USER 10001:10001
EXPOSE 3000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/api/status' % os.environ.get('PORT', '3000'), timeout=4)"]

# SIGTERM drains in-flight requests and streams for up to SHUTDOWN_TIMEOUT seconds (docker stop -t to match).
STOPSIGNAL SIGTERM
CMD ["gunicorn", "-c", "/app/gunicorn.conf.py", "wsgi:app"]
