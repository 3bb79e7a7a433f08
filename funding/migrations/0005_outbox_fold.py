"""The referrals' outbox (funding.OutboxEmail) folded into the project's one outbox (accounts.Email).

Every row, pending, sent or failed, is copied first, with its key (so a scheduled e-mail already written is not
written again), its status and attempts (so nothing is sent twice) and its referral as the `group` the referral
purge and deletion look for; then the model is deleted."""

from django.db import migrations

FIELDS = ("key", "kind", "to", "reply_to", "headers", "subject", "body", "status", "attempts", "last_error", "sent_at")


def copy_to_the_outbox(apps, schema_editor):
    OutboxEmail = apps.get_model("funding", "OutboxEmail")
    Email = apps.get_model("accounts", "Email")
    taken = set(Email.objects.values_list("key", flat=True))
    for row in OutboxEmail.objects.order_by("pk").iterator():
        if row.key in taken:
            continue
        email = Email.objects.create(
            **{field: getattr(row, field) for field in FIELDS},
            group=f"referral-{row.referral_id}" if row.referral_id else "",
        )
        # created_at is auto_now_add: keep the original date (the flush and the purge read it).
        Email.objects.filter(pk=email.pk).update(created_at=row.created_at)
        taken.add(row.key)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_outbox"),
        ("funding", "0004_alerts_subscriptions"),
    ]

    operations = [
        migrations.RunPython(copy_to_the_outbox, migrations.RunPython.noop),
        migrations.DeleteModel(name="OutboxEmail"),
    ]
