from celery import signature
from django.db import transaction

# Queued by name: services never import tasks (the tasks import the services).
SEND_RESULTS_LINK = "funding.tasks.send_results_link"


def results_link_send(*, email: str, results_url: str) -> None:
    """Queue the e-mail with the results link once the request's transaction commits.

    The task receives only the address and the link; `kwargsrepr` keeps the address out of Celery's logs.
    """
    transaction.on_commit(
        lambda: signature(SEND_RESULTS_LINK).apply_async(
            kwargs={"email": email, "results_url": results_url},
            kwargsrepr=repr({"email": "***", "results_url": results_url}),
        )
    )
