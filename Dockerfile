# The Ravoos Pansy API image: gunicorn behind the platform's TLS proxy.
# Build: docker build -t ravoos-pansy .
# Run:   docker run -p 8000:8000 -e SECRET_KEY=... -e DATABASE_URL=... \
#          -e ALLOWED_HOSTS=api.example.com ravoos-pansy
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The service runs as an unprivileged user that owns nothing but the media
# folder: the code cannot be changed by the process that serves it.
RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home app

# Runtime requirements only (no test or lint tools); every package installs
# from a wheel, so the image needs no compiler.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are collected into the image once, with a throwaway key:
# the settings refuse to load with DEBUG off and no SECRET_KEY, and
# collectstatic needs neither the real key nor a database.
RUN SECRET_KEY=collectstatic-only DEBUG=false python manage.py collectstatic --noinput \
    && mkdir -p /app/media \
    && chown app:app /app/media

ENV DEBUG=false \
    PORT=8000

USER app
EXPOSE 8000

# Answered ahead of ALLOWED_HOSTS and the HTTPS redirect, so a plain local
# request works whatever hosts the deployment allows.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/api/health/' % os.environ.get('PORT', '8000'), timeout=4)"]

# Migrate, then exec gunicorn with gunicorn.conf.py (bind from PORT, workers
# from WEB_CONCURRENCY). The tests run this same script.
CMD ["/app/bin/start-web"]
