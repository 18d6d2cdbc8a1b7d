# Riposte: one process, one SQLite file in /data. Secrets come from the environment.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
RUN pip install --no-cache-dir . && useradd --create-home riposte && mkdir /data \
    && chown riposte /data
COPY config.example.toml /etc/riposte/config.toml
USER riposte
VOLUME ["/data"]
ENTRYPOINT ["riposte"]
CMD ["run", "--config", "/etc/riposte/config.toml", "--database", "/data/riposte.db"]
