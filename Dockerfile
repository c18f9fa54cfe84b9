# Due Process API: python 3.11 on Debian bookworm, WeasyPrint's Pango/HarfBuzz and fonts from apt.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 APP_ENV=production

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
      fonts-noto-core fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY alembic ./alembic
COPY templates ./templates
RUN pip install --upgrade pip && pip install .

RUN useradd --system --uid 10001 --home /app dueprocess && mkdir -p /app/var && chown dueprocess /app/var
USER dueprocess

EXPOSE 8000
# Migrate, then serve. DATABASE_URL and JWT_SECRET_KEY come from the environment (see .env.example).
CMD ["sh", "-c", "alembic upgrade head && exec uvicorn app.main:build --factory --host 0.0.0.0 --port 8000 --no-access-log"]
