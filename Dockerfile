# One image for web (gunicorn), the Celery worker and beat. See docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 1000 app

# Dependencies first (cached while only the code changes).
COPY pyproject.toml ./
RUN python -c "import tomllib; d = tomllib.load(open('pyproject.toml', 'rb')); \
open('/tmp/requirements.txt', 'w').write('\n'.join(d['project']['dependencies']))" \
 && pip install -r /tmp/requirements.txt

COPY . .
RUN pip install --no-deps . \
 && DJANGO_DEBUG=false DJANGO_SECRET_KEY=collectstatic-only-not-a-real-key-0123456789abcdefghij \
    python manage.py collectstatic --noinput \
 && mkdir -p var && chown -R app:app var

USER app
EXPOSE 8000
CMD ["gunicorn", "outsourcing.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
