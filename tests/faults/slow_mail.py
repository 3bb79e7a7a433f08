"""An e-mail backend for the worker-killed fault: it says when a send has begun, then takes its time."""

import os
import time
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend


class SlowFileBackend(EmailBackend):
    def send_messages(self, email_messages):
        Path(os.environ["SLOW_MAIL_STARTED"]).touch()
        time.sleep(float(os.environ.get("SLOW_MAIL_SECONDS", "60")))
        return super().send_messages(email_messages)
