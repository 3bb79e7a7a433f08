from django.apps import AppConfig


class MailingConfig(AppConfig):
    name = "mailing"
    verbose_name = "Courriels"
    default_auto_field = "django.db.models.BigAutoField"
