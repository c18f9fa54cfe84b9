# Due Process API: python 3.11 on Debian bookworm, WeasyPrint's Pango/HarfBuzz and fonts from apt.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 APP_ENV=production

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
      fonts-noto-core fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Dependencies first, at the exact versions and hashes of the lockfile (a layer that changes only with it),
# then the project itself without dependencies.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY alembic ./alembic
COPY templates ./templates
# Editable, so the package finds alembic/ and templates/ beside it in /app.
RUN pip install --no-deps -e .

RUN useradd --system --uid 10001 --home /app dueprocess && mkdir -p /app/var && chown dueprocess /app/var
USER dueprocess

EXPOSE 8000
# Serve only; migrations are a step of their own (`dueprocess migrate`: the `migrate` service of
# docker-compose.yml, or a release step), so starting several containers never runs them concurrently.
# DATABASE_URL, JWT_SECRET_KEY and the data keys come from the environment (see .env.example). WORKERS
# processes per container under uvicorn's process manager (default 1: scale containers, or raise it).
ENV HOST=0.0.0.0 PORT=8000 WORKERS=1
CMD ["sh", "-c", "exec dueprocess serve --host \"$HOST\" --port \"$PORT\" --workers \"$WORKERS\""]
