import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ravoos_pansy.settings")

app = Celery("ravoos_pansy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
