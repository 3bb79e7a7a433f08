"""Curation writes: submissions, edits queued for review, history and revert, archive and verification."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.outbox import queue_email
from accounts.scopes import is_curator_of
from curation.models import EditReview, ReviewStatus, Submission, SubmissionKind
from directory.models import Mode, Offer, OfferType, PublicationStatus, Structure, StructureRole, Territory
from support_chain.models import Need, Stage
from support_chain.white_zones import request_white_zones_refresh

# The proposed offer lives in Submission.data under this key (slugs and a coverage key, JSON as it is).
OFFER_KEY = "offer"

# What a submission or a structure editor may change (the rest is the curator's job, in the admin).
STRUCTURE_EDITABLE_FIELDS = [
    "name",
    "siret",
    "legal_form",
    *(role.field_name for role in StructureRole),
    "network",
    "description",
    "address",
    "commune",
    "website",
    "email",
    "phone",
    "opening_hours",
    "accessibility",
]
OFFER_EDITABLE_FIELDS = [
    "title",
    "offer_type",
    "description",
    "how_to_access",
    "stages",
    "needs",
    "support_level",
    "fee",
    *(mode.field_name for mode in Mode),
    "url",
    "email",
    "amount_min",
    "amount_max",
    "opens_on",
    "closes_on",
]


def display_value(field: models.Field, value) -> str:
    """A value as a curator reads it in a diff: labels, not ids."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if field.choices and not field.is_relation:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "d/m/Y à H:i")
    if isinstance(value, datetime.date):
        return date_format(value, "d/m/Y")
    if isinstance(value, list | set | tuple):
        return ", ".join(sorted(str(item) for item in value)) or "—"
    return str(value)


def snapshot(entry, field_names) -> dict:
    """Current values of the fields, related objects and many-to-many sets included."""
    values = {}
    for name in field_names:
        field = entry._meta.get_field(name)
        if field.many_to_many:
            values[name] = set(getattr(entry, name).all()) if entry.pk else set()
        else:
            values[name] = getattr(entry, name)
    return values


def diff(model, before: dict, after: dict) -> list[dict]:
    """Field-by-field differences, as JSON-ready rows {field, label, old, new}."""
    rows = []
    for name, new in after.items():
        old = before.get(name)
        if old == new or (old in (None, "") and new in (None, "")):
            continue
        field = model._meta.get_field(name)
        rows.append(
            {
                "field": name,
                "label": str(field.verbose_name),
                "old": display_value(field, old),
                "new": display_value(field, new),
            }
        )
    return rows


def _save_with_history(entry, *, user, reason: str) -> None:
    entry._change_reason = reason[:100]
    if user is not None:
        entry._history_user = user
    entry.save()


def _last_history_id(entry) -> int | None:
    return entry.history.order_by("-history_id").values_list("history_id", flat=True).first()


@transaction.atomic
def entry_update(*, entry: Structure | Offer, values: dict, user, reason: str = "") -> Structure | Offer:
    """Save an edit made outside the admin; an editor's edit of a published entry is queued for review.

    `values` maps field names to new values (many-to-many fields to iterables). The edit is live at once
    (moderation after publication); the région's curator sees the diff on the dashboard.
    """
    model = type(entry)
    fresh = model.objects.get(pk=entry.pk)
    before = snapshot(fresh, values)
    previous_history_id = _last_history_id(fresh)
    was_published = fresh.status == PublicationStatus.PUBLISHED
    plain = {name: value for name, value in values.items() if not model._meta.get_field(name).many_to_many}
    for name, value in plain.items():
        setattr(entry, name, value)
    entry.full_clean()
    structure = entry if isinstance(entry, Structure) else entry.structure
    by_curator = is_curator_of(user, structure)
    default_reason = _("Modification par la CRESS") if by_curator else _("Modification par la structure")
    _save_with_history(entry, user=user, reason=reason or default_reason)
    for name, value in values.items():
        if model._meta.get_field(name).many_to_many:
            getattr(entry, name).set(value)
    changes = diff(model, before, snapshot(entry, values))
    if changes and was_published and not by_curator:
        EditReview.objects.create(
            structure=structure,
            offer=entry if isinstance(entry, Offer) else None,
            editor=user,
            changes=changes,
            previous_history_id=previous_history_id,
        )
    return entry


@transaction.atomic
def entry_revert(*, entry: Structure | Offer, history_id: int, user, reason: str) -> Structure | Offer:
    """Bring the entry back to one of its past versions; the revert itself is a new version with its reason."""
    if not reason.strip():
        raise ValidationError(_("Indiquez le motif du retour à cette version."))
    record = entry.history.get(history_id=history_id)
    restored = record.instance
    restored._state.adding = False  # an update of the existing row, not a new one
    restored._state.db = entry._state.db
    restored.full_clean()
    _save_with_history(
        restored,
        user=user,
        reason=_("Retour à la version du %(date)s : %(reason)s")
        % {"date": timezone.localtime(record.history_date).strftime("%d/%m/%Y %H:%M"), "reason": reason},
    )
    return restored


@transaction.atomic
def entry_archive(*, entry: Structure | Offer, user, reason: str) -> Structure | Offer:
    if not reason.strip():
        raise ValidationError(_("Indiquez le motif de l'archivage."))
    entry.status = PublicationStatus.ARCHIVED
    _save_with_history(entry, user=user, reason=_("Archivage : %(reason)s") % {"reason": reason})
    return entry


@transaction.atomic
def entry_mark_verified(*, entry: Structure | Offer, user, reason: str = "") -> Structure | Offer:
    entry.last_verified_at = timezone.now()
    _save_with_history(entry, user=user, reason=reason or _("Informations vérifiées"))
    return entry


def _review(item, *, status, user, reason) -> None:
    item.status = status
    item.reviewed_by = user if user and user.is_authenticated else None
    item.reviewed_at = timezone.now()
    item.review_reason = reason
    item.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_reason"])


def _require_pending(item) -> None:
    if item.status != ReviewStatus.PENDING:
        raise ValidationError(_("Cette demande a déjà été traitée."))


@transaction.atomic
def edit_review_approve(*, review: EditReview, user, reason: str = "") -> EditReview:
    _require_pending(review)
    _review(review, status=ReviewStatus.APPROVED, user=user, reason=reason)
    request_white_zones_refresh()  # after commit, debounced
    return review


@transaction.atomic
def edit_review_revert(*, review: EditReview, user, reason: str) -> EditReview:
    """Refuse an editor's edit: the entry goes back to the version before it."""
    _require_pending(review)
    if review.previous_history_id is None:
        raise ValidationError(_("La version précédente est introuvable."))
    entry_revert(entry=review.entry, history_id=review.previous_history_id, user=user, reason=reason)
    _review(review, status=ReviewStatus.REJECTED, user=user, reason=reason)
    return review


# Submissions from the public form -----------------------------------------------------------------


def _json_value(value):
    if isinstance(value, models.Model):
        return value.pk
    return value


def submission_create(
    *,
    structure: Structure | None,
    values: dict,
    submitter_name: str,
    submitter_email: str,
    message: str = "",
    offer: dict | None = None,
) -> Submission:
    """Record a pending proposal (a structure, or changes to one, and optionally an offer) and queue the
    acknowledgement e-mail once it is committed."""
    if structure is not None:
        changes = diff(Structure, snapshot(structure, values), values)
        # Only what changed is applied on approval, so later edits of other fields are not overwritten.
        changed = {row["field"] for row in changes}
        values = {name: value for name, value in values.items() if name in changed}
        region = structure.region
    else:
        region = Territory.objects.get(pk=values["commune"].region_id)
        changes = diff(Structure, {}, values)
    data = {name: _json_value(value) for name, value in values.items()}
    if offer:
        data[OFFER_KEY] = offer
        changes = [
            *changes,
            {"field": OFFER_KEY, "label": _("Offre proposée"), "old": "—", "new": _offer_summary(offer)},
        ]
    with transaction.atomic():
        submission = Submission(
            kind=SubmissionKind.UPDATE if structure else SubmissionKind.NEW,
            structure=structure,
            region=region,
            data=data,
            changes=changes,
            submitter_name=submitter_name,
            submitter_email=submitter_email,
            message=message,
        )
        submission.full_clean()
        submission.save()
        submission_acknowledgement_queue(submission_id=submission.pk)
    return submission


@transaction.atomic
def submission_acknowledgement_queue(*, submission_id: int) -> bool:
    """Write the « nous avons bien reçu votre proposition » e-mail to the outbox, in the submission's transaction
    (no broker in the request); False when it was already written."""
    claimed = Submission.objects.filter(pk=submission_id, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now()
    )
    if not claimed:
        return False
    submission = Submission.objects.get(pk=submission_id)
    queue_email(
        key=f"submission-{submission_id}-acknowledgement",
        kind="submission-acknowledgement",
        to=[submission.submitter_email],
        subject=_("Guichet ESS : nous avons bien reçu votre proposition"),
        body=render_to_string("curation/emails/submission_acknowledgement.txt", {"submission": submission}),
    )
    return True


def _offer_summary(offer: dict) -> str:
    stages = ", ".join(
        Stage.objects.filter(slug__in=offer["stages"]).order_by("position").values_list("name", flat=True)
    )
    coverage = Territory.objects.filter(key=offer.get("coverage")).first()
    return _("« %(title)s » (%(type)s) — étapes : %(stages)s — territoire : %(coverage)s") % {
        "title": offer["title"],
        "type": dict(OfferType.choices).get(offer["offer_type"], offer["offer_type"]),
        "stages": stages or "—",
        "coverage": coverage or "—",
    }


def _offer_create(structure: Structure, offer: dict) -> Offer:
    """The offer a submission proposed, published with its structure."""
    created = Offer(
        structure=structure,
        ref=f"proposition-{structure.pk}-{structure.offers.count() + 1}",
        title=offer["title"],
        offer_type=offer["offer_type"],
        description=offer.get("description", ""),
        status=PublicationStatus.PUBLISHED,
        last_verified_at=timezone.now(),
        **{mode.field_name: mode.value in offer.get("modes", []) for mode in Mode},
    )
    created.full_clean(exclude=["stages", "needs", "coverage"])
    created.save()
    created.stages.set(Stage.objects.filter(slug__in=offer["stages"]))
    created.needs.set(Need.objects.filter(slug__in=offer.get("needs", [])))
    coverage = Territory.objects.filter(key=offer.get("coverage"))
    created.coverage.set(
        coverage if coverage.exists() else Territory.objects.filter(pk=structure.commune.departement_id)
    )
    return created


def _values_from_data(data: dict) -> dict:
    values = {}
    for name, value in data.items():
        if name == OFFER_KEY:
            continue
        field = Structure._meta.get_field(name)
        values[field.attname if field.is_relation else name] = value
    return values


@transaction.atomic
def submission_approve(*, submission: Submission, user, reason: str = "") -> Structure:
    """Publish what the submission proposes: a new structure, or the changes to an existing one."""
    _require_pending(submission)
    values = _values_from_data(submission.data)
    if submission.kind == SubmissionKind.NEW:
        structure = Structure(**values, status=PublicationStatus.PUBLISHED, last_verified_at=timezone.now())
    else:
        if submission.structure is None:
            raise ValidationError(_("La structure concernée n'existe plus."))
        structure = Structure.objects.select_for_update().get(pk=submission.structure_id)
        for name, value in values.items():
            setattr(structure, name, value)
        structure.last_verified_at = timezone.now()
    if structure.latitude is None and structure.commune_id:
        # On the map at its commune's point until a curator places it (Territory.point comes with the
        # communes' points; without it the structure stays off the map, as before).
        point = getattr(structure.commune, "point", None)
        if point:
            structure.latitude, structure.longitude = point
    structure.full_clean(exclude=["region"] if not structure.region_id else None)
    history_reason = _("Proposition n° %(pk)s validée") % {"pk": submission.pk}
    _save_with_history(structure, user=user, reason=f"{history_reason} : {reason}" if reason else history_reason)
    submission.structure = structure
    submission.save(update_fields=["structure"])
    if submission.data.get(OFFER_KEY):
        _offer_create(structure, submission.data[OFFER_KEY])
    _review(submission, status=ReviewStatus.APPROVED, user=user, reason=reason)
    request_white_zones_refresh()  # after commit, debounced
    _queue_decision_email(submission)
    return structure


@transaction.atomic
def submission_reject(*, submission: Submission, user, reason: str) -> Submission:
    _require_pending(submission)
    if not reason.strip():
        raise ValidationError(_("Indiquez le motif du refus."))
    _review(submission, status=ReviewStatus.REJECTED, user=user, reason=reason)
    _queue_decision_email(submission)
    return submission


def _queue_decision_email(submission: Submission) -> None:
    """Tell the person who proposed it what became of their proposal: written to the outbox in the decision's
    transaction, sent once it is committed."""
    submission_decision_queue(submission_id=submission.pk)


@transaction.atomic
def submission_decision_queue(*, submission_id: int) -> bool:
    """Write « votre proposition est publiée » or « n'a pas été retenue » (and why) to the outbox; False when it was
    already written or the submission is still pending."""
    claimed = (
        Submission.objects.filter(pk=submission_id, decision_sent_at__isnull=True)
        .exclude(status=ReviewStatus.PENDING)
        .update(decision_sent_at=timezone.now())
    )
    if not claimed:
        return False
    submission = Submission.objects.select_related("structure").get(pk=submission_id)
    approved = submission.status == ReviewStatus.APPROVED
    context = {
        "submission": submission,
        "structure_url": (
            settings.SITE_URL.rstrip("/") + submission.structure.get_absolute_url()
            if approved and submission.structure_id
            else ""
        ),
    }
    queue_email(
        key=f"submission-{submission_id}-decision",
        kind="submission-decision",
        to=[submission.submitter_email],
        subject=_("Guichet ESS : votre proposition est publiée")
        if approved
        else _("Guichet ESS : votre proposition n'a pas été retenue"),
        body=render_to_string(
            "curation/emails/submission_approved.txt" if approved else "curation/emails/submission_rejected.txt",
            context,
        ),
    )
    return True
