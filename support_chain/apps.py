from django.apps import AppConfig


class SupportChainConfig(AppConfig):
    name = "support_chain"
    verbose_name = "Chaîne d'accompagnement"
