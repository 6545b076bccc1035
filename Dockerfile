# syntax=docker/dockerfile:1
# The reference application (specs/, handlers/, schema/) on CovetPy, for production.
#   docker build -t covet-blog .
#   docker compose up            # with PostgreSQL, Redis, Memcached and Prometheus
# What is validated here and what is not: docs/deploy.md.

FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY engine ./engine
# the production extras: PostgreSQL, MariaDB and Memcached drivers, Prometheus metrics
RUN /opt/venv/bin/pip install ".[postgres,mysql,memcached,metrics]"

FROM python:3.12-slim
RUN groupadd --system --gid 10001 covet \
    && useradd --system --uid 10001 --gid covet --home-dir /app --no-create-home covet
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=covet:covet specs ./specs
COPY --chown=covet:covet handlers ./handlers
COPY --chown=covet:covet schema ./schema
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    XDG_CACHE_HOME=/tmp/cache \
    COVET_HOST=0.0.0.0 \
    COVET_WORKERS=2 \
    COVET_METRICS=true
USER 10001:10001
EXPOSE 8000
# every required backend (database, Redis stores) answers: `covet check-backends` exits 0
HEALTHCHECK --interval=15s --timeout=10s --start-period=20s --retries=3 \
    CMD ["covet", "check-backends", "-c", "specs/covet.yaml", "--timeout", "5s"]
# workers from COVET_WORKERS (specs/covet.yaml); secrets from *_FILE (docs/config.md)
ENTRYPOINT ["covet", "run", "-c", "specs/covet.yaml"]
