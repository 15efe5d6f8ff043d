# photoshelf: `docker compose up` runs it with PostgreSQL and MinIO (compose.yaml).
# Build stage: the locked dependencies (mysqlclient is compiled here) into a virtualenv.
FROM python:3.11-slim-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc pkg-config default-libmysqlclient-dev \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/photoshelf
WORKDIR /src
COPY requirements-runtime.lock pyproject.toml README.md ./
RUN /opt/photoshelf/bin/pip install --no-cache-dir --require-hashes --no-deps \
      -r requirements-runtime.lock
COPY src ./src
RUN /opt/photoshelf/bin/pip install --no-cache-dir --no-deps .

# Run stage: the virtualenv and the MySQL client library only; no compiler, no sources.
FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends libmariadb3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin photoshelf \
 && mkdir /data && chown photoshelf:photoshelf /data
COPY --from=build /opt/photoshelf /opt/photoshelf
ENV PATH=/opt/photoshelf/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PHOTOSHELF_DATA_DIR=/data \
    PHOTOSHELF_ENV_FILE=
USER photoshelf
WORKDIR /data
VOLUME /data
EXPOSE 8000
# /healthz answers 200 only when the database and the storage both answer.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=8).status != 200)"]
CMD ["photoshelf", "serve", "--host", "0.0.0.0", "--port", "8000"]
