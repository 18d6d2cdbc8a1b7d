# Riposte as a service. Configuration: a file mounted at /etc/riposte/config.toml (or
# wherever RIPOSTE_CONFIG says); tokens: environment variables named in it ("env:NAME");
# state: the database and the clip archive under /data (relative paths in the
# configuration are relative to RIPOSTE_DATA_DIR). See README.md, "Deploying".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RIPOSTE_CONFIG=/etc/riposte/config.toml \
    RIPOSTE_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
RUN pip install --no-cache-dir . \
    && groupadd --system --gid 10001 riposte \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home riposte \
    && mkdir -p /data /etc/riposte \
    && chown 10001:10001 /data

USER 10001:10001
VOLUME ["/data"]
# riposte exits within 10 s of SIGTERM (Docker's default wait before SIGKILL).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["riposte", "health"]
ENTRYPOINT ["riposte"]
CMD ["run"]
