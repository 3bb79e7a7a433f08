"""Celery application: tasks are autodiscovered in every installed app's tasks.py."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic jobs (run by `celery beat`). Each campaign's own period is data (UpdateCampaign.period_days):
# the daily tick only starts the campaigns that are due and the reminders that are due.
app.conf.beat_schedule = {
    "update-campaigns": {"task": "directory.tasks.run_update_campaigns", "schedule": crontab(hour=7, minute=0)},
}
