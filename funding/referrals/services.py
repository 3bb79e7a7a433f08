"""Writes on referrals: creation, the guarded state machine of each line, the outbox, the schedules."""

import datetime
import logging
import mimetypes
import os
import zipfile

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Email, EmailStatus
from directory import needs_watch
from directory.models import NeedSignal, Offer, ReferralEvent

from . import emails
from .emails import email_group
from .models import (
    ATTACHMENT_MAX_BYTES,
    ATTACHMENT_MAX_COUNT,
    ATTACHMENT_TYPES,
    CONSENT_VERSION,
    DOSSIER_WITHDRAWN_STATUSES,
    DeclineReason,
    LineStatus,
    Outcome,
    Referral,
    ReferralAttachment,
    ReferralLine,
    ReferralSource,
    ReferralTransition,
    SatisfactionAnswer,
)
from .selectors import next_chain_offers

logger = logging.getLogger(__name__)

MAX_OFFERS = 10
REMINDER_DAYS = (7, 21)
EXPIRE_AFTER = datetime.timedelta(days=30)
SATISFACTION_AFTER = datetime.timedelta(days=10)
ANONYMISE_AFTER = datetime.timedelta(days=730)
ATTACHMENTS_KEPT = datetime.timedelta(days=183)
UNCONFIRMED_KEPT = datetime.timedelta(days=7)

# The only moves a line may make. Anything else is refused, whoever asks.
TRANSITIONS: dict[str, frozenset[str]] = {
    LineStatus.DRAFT: frozenset({LineStatus.SENT}),
    LineStatus.SENT: frozenset({LineStatus.ACCEPTED, LineStatus.DECLINED, LineStatus.EXPIRED}),
    LineStatus.ACCEPTED: frozenset({LineStatus.CLOSED}),
    LineStatus.DECLINED: frozenset(),
    LineStatus.EXPIRED: frozenset(),
    LineStatus.CLOSED: frozenset(),
}
TIMESTAMP_FIELD = {
    LineStatus.SENT: "sent_at",
    LineStatus.ACCEPTED: "accepted_at",
    LineStatus.DECLINED: "declined_at",
    LineStatus.EXPIRED: "expired_at",
    LineStatus.CLOSED: "closed_at",
}
OPEN_STATUSES = (LineStatus.DRAFT, LineStatus.SENT, LineStatus.ACCEPTED)
BY_LINK = "la structure destinataire (lien sécurisé)"
BY_SYSTEM = "Guichet ESS (automatique)"


class TransitionNotAllowed(ValidationError):
    """A move the state machine forbids (e.g. accepting a declined line)."""


def is_allowed(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


# ---------------------------------------------------------------------------------------------- creation


def validate_attachment(upload) -> None:
    """Refuse a file whose extension is not allowed, that is over ATTACHMENT_MAX_BYTES (counted as it arrived, see
    uploads.py), or whose content is not what its extension says (an HTML page named .png, say)."""
    extension = os.path.splitext(upload.name or "")[1].lower()
    if extension not in ATTACHMENT_TYPES:
        raise ValidationError(
            _("« %(name)s » : format non accepté (PDF, PNG, JPEG, ODT ou DOCX)."), params={"name": upload.name}
        )
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(_("« %(name)s » dépasse 5 Mo."), params={"name": upload.name})
    label, matches = CONTENT_CHECKS[extension]
    try:
        upload.seek(0)
        valid = matches(upload)
    finally:
        upload.seek(0)
    if not valid:
        raise ValidationError(
            _("« %(name)s » n'est pas un %(kind)s valide : son contenu ne correspond pas à son extension."),
            params={"name": upload.name, "kind": label},
        )


def _starts_with(*signatures: bytes):
    def matches(upload) -> bool:
        head = upload.read(max(len(signature) for signature in signatures))
        return any(head.startswith(signature) for signature in signatures)

    return matches


def _zip_holding(check):
    """An OpenDocument or Office file: a zip whose directory `check(archive)` accepts (nothing is unpacked but a
    member of a few bytes)."""

    def matches(upload) -> bool:
        try:
            with zipfile.ZipFile(upload) as archive:
                return check(archive)
        except (zipfile.BadZipFile, OSError, KeyError, ValueError, EOFError):
            return False

    return matches


def _is_odt(archive) -> bool:
    member = archive.getinfo("mimetype")
    return member.file_size < 100 and archive.read(member) == b"application/vnd.oasis.opendocument.text"


def _is_docx(archive) -> bool:
    names = set(archive.namelist())
    return {"[Content_Types].xml", "word/document.xml"} <= names


# What each allowed extension's content starts with (its "magic number"), or holds.
CONTENT_CHECKS = {
    ".pdf": ("PDF", _starts_with(b"%PDF-")),
    ".png": ("PNG", _starts_with(b"\x89PNG\r\n\x1a\n")),
    ".jpg": ("JPEG", _starts_with(b"\xff\xd8\xff")),
    ".jpeg": ("JPEG", _starts_with(b"\xff\xd8\xff")),
    ".odt": ("ODT", _zip_holding(_is_odt)),
    ".docx": ("DOCX", _zip_holding(_is_docx)),
}


@transaction.atomic
def referral_create(
    *,
    prescriber,
    holder_name: str,
    holder_email: str = "",
    holder_phone: str = "",
    description: str,
    commune,
    offers,
    consent_given: bool,
    stage=None,
    needs=(),
    legal_form=None,
    share_answers: bool = False,
    attachments=(),
    source: str = ReferralSource.PRESCRIBER,
    reoriented_from: ReferralLine | None = None,
) -> Referral:
    """Save the dossier and one line per offer; a prescriber's dossier is sent at once, a holder's after
    they confirm their e-mail address. The e-mails are written to the outbox in the same transaction."""
    if not consent_given:
        raise ValidationError(_("Le consentement du porteur de projet est obligatoire."))
    offers = list(dict.fromkeys(offers))
    if not offers:
        raise ValidationError(_("Choisissez au moins une offre."))
    if len(offers) > MAX_OFFERS:
        raise ValidationError(_("Un dossier peut être envoyé à %(max)d offres au plus."), params={"max": MAX_OFFERS})
    if Offer.objects.published().filter(pk__in=[o.pk for o in offers]).count() != len(offers):
        raise ValidationError(_("Une des offres choisies n'est plus publiée."))
    unreachable = [offer.title for offer in offers if not emails.recipient_addresses(offer)]
    if unreachable:
        raise ValidationError(
            _("Aucune adresse de contact pour : %(offers)s. Choisissez une autre offre ou contactez la CRESS."),
            params={"offers": ", ".join(unreachable)},
        )
    if len(attachments) > ATTACHMENT_MAX_COUNT:
        raise ValidationError(_("Cinq pièces jointes au plus."))
    for upload in attachments:
        validate_attachment(upload)
    if source == ReferralSource.HOLDER and not holder_email:
        raise ValidationError(_("Indiquez votre adresse électronique : nous devons la confirmer."))

    now = timezone.now()
    referral = Referral(
        source=source,
        prescriber=prescriber,
        holder_name=holder_name.strip(),
        holder_email=holder_email.strip().lower(),
        holder_phone=holder_phone.strip(),
        description=description.strip(),
        commune=commune,
        stage=stage,
        legal_form=legal_form,
        consent_version=CONSENT_VERSION,
        consent_given_at=now,
        consent_collected_by=prescriber,
        share_answers=share_answers,
        reoriented_from=reoriented_from,
    )
    referral.full_clean()
    referral.save()
    referral.needs.set(needs)
    for upload in attachments:
        ReferralAttachment.objects.create(
            referral=referral,
            file=upload,
            original_name=os.path.basename(upload.name)[:200],
            content_type=ATTACHMENT_TYPES.get(os.path.splitext(upload.name)[1].lower())
            or mimetypes.guess_type(upload.name)[0]
            or "application/octet-stream",
            size=upload.size,
        )
    actor = _actor_label(prescriber, referral)
    for offer in offers:
        line = ReferralLine.objects.create(referral=referral, offer=offer, status=LineStatus.DRAFT)
        ReferralTransition.objects.create(
            line=line, from_status="", to_status=LineStatus.DRAFT, at=now, by_user=prescriber, by_label=actor
        )
    if source == ReferralSource.HOLDER:
        emails.queue(
            key=f"referral-{referral.pk}-confirm",
            kind="confirm",
            referral=referral,
            to=emails.holder_addresses(referral),
            reply_to=[],
            template="confirm",
            context={"referral": referral, "url": emails.confirm_url(referral), "offers": offers},
        )
    else:
        _send_lines(referral, by_user=prescriber, by_label=actor)
    logger.info("referral %s created with %d lines", referral.pk, len(offers))
    return referral


def _actor_label(user, referral) -> str:
    if user is None:
        return "le porteur de projet" if referral.source == ReferralSource.HOLDER else BY_SYSTEM
    return user.get_full_name() or user.email


def _send_lines(referral: Referral, *, by_user, by_label: str) -> None:
    for line in referral.lines.select_related("offer__structure").filter(status=LineStatus.DRAFT):
        _move(line, LineStatus.SENT, by_user=by_user, by_label=by_label)
        emails.queue(
            key=f"line-{line.pk}-sent-recipient",
            kind="sent",
            referral=referral,
            to=emails.recipient_addresses(line.offer),
            reply_to=emails.prescriber_addresses(referral),
            template="sent_recipient",
            context={"referral": referral, "line": line, "url": emails.answer_url(line)},
        )
    if referral.prescriber_id or referral.source == ReferralSource.HOLDER:
        # The holder's recap: to whom the dossier went (a holder who sent it themselves gets it too).
        emails.queue(
            key=f"referral-{referral.pk}-sent-holder",
            kind="sent-holder",
            referral=referral,
            to=emails.holder_addresses(referral),
            reply_to=emails.prescriber_addresses(referral),
            template="sent_holder",
            context={"referral": referral, "lines": list(referral.lines.select_related("offer__structure"))},
        )


@transaction.atomic
def referral_confirm_holder_email(*, referral: Referral) -> Referral:
    """The holder clicked the link: their address is confirmed and their dossier leaves. Idempotent."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.holder_email_confirmed_at:
        return referral
    referral.holder_email_confirmed_at = timezone.now()
    referral.save(update_fields=["holder_email_confirmed_at"])
    _send_lines(referral, by_user=None, by_label="le porteur de projet")
    return referral


# ------------------------------------------------------------------------------------------ state machine


def _move(line: ReferralLine, to_status: str, *, by_user=None, by_label: str, note: str = "", **changes):
    """Move a line along an allowed transition: locked, timestamped, attributed and logged."""
    line = (
        ReferralLine.objects.select_for_update(of=("self", "referral", "offer", "offer__structure"))
        .select_related("referral__commune", "offer__structure")
        .get(pk=line.pk)
    )
    if not is_allowed(line.status, to_status):
        raise TransitionNotAllowed(
            _("Cette orientation est « %(current)s » : elle ne peut pas passer à « %(target)s »."),
            params={"current": LineStatus(line.status).label, "target": LineStatus(to_status).label},
            code="transition",
        )
    now = timezone.now()
    from_status = line.status
    line.status = to_status
    setattr(line, TIMESTAMP_FIELD[to_status], now)
    first_answer = to_status in (LineStatus.ACCEPTED, LineStatus.DECLINED) and not line.answered_at
    if first_answer:
        line.answered_at = now
    for field, value in changes.items():
        setattr(line, field, value)
    line.full_clean()
    line.save()
    ReferralTransition.objects.create(
        line=line, from_status=from_status, to_status=to_status, at=now, by_user=by_user, by_label=by_label, note=note
    )
    _count_referral_event(line, to_status, first_answer=first_answer)
    logger.info("referral line %s: %s -> %s", line.pk, from_status, to_status)
    return line


def _count_referral_event(line: ReferralLine, to_status: str, *, first_answer: bool) -> None:
    """The anonymous referral figures of the observatory (directory/needs_watch.py): one count per event."""
    commune = line.referral.commune
    if first_answer:
        delay = line.answered_at - line.sent_at if line.sent_at else None
        needs_watch.record_referral(commune=commune, event=ReferralEvent.ANSWERED, answered_after=delay)
    outcome = line.outcome if to_status == LineStatus.CLOSED else ""
    needs_watch.record_referral(commune=commune, event=to_status, outcome=outcome)


@transaction.atomic
def line_accept(*, line: ReferralLine, by_user=None, by_label: str = BY_LINK, note: str = "") -> ReferralLine:
    line = _move(line, LineStatus.ACCEPTED, by_user=by_user, by_label=by_label, note=note)
    referral = line.referral
    recipient = emails.recipient_addresses(line.offer)
    context = {"referral": referral, "line": line, "url": emails.answer_url(line)}
    emails.queue(
        key=f"line-{line.pk}-accepted-prescriber",
        kind="accepted",
        referral=referral,
        to=emails.prescriber_addresses(referral),
        reply_to=recipient,
        template="accepted_prescriber",
        context=context,
    )
    if referral.prescriber_id:
        emails.queue(
            key=f"line-{line.pk}-accepted-holder",
            kind="accepted-holder",
            referral=referral,
            to=emails.holder_addresses(referral),
            reply_to=recipient,
            template="accepted_holder",
            context=context,
        )
    # The recipient keeps a fresh link to close the line later on.
    emails.queue(
        key=f"line-{line.pk}-accepted-recipient",
        kind="accepted-recipient",
        referral=referral,
        to=recipient,
        reply_to=emails.prescriber_addresses(referral),
        template="accepted_recipient",
        context=context,
    )
    return line


def _watch_needs(referral: Referral, signal: str) -> None:
    """A line declined or closed « pas d'aide » counts, unmet, in the needs watch (codes and slugs only)."""
    needs_watch.record(
        commune=referral.commune,
        signal=signal,
        unmet=True,
        stage=referral.stage.slug if referral.stage_id else "",
        needs=referral.needs.values_list("slug", flat=True),
        legal_form=referral.legal_form.slug if referral.legal_form_id else "",
    )


@transaction.atomic
def line_decline(*, line: ReferralLine, reason: str, note: str = "", by_user=None, by_label: str = BY_LINK):
    if reason not in DeclineReason.values:
        raise ValidationError(_("Choisissez un motif de refus."))
    if reason == DeclineReason.OTHER and not note.strip():
        raise ValidationError(_("Précisez la raison du refus."))
    line = _move(
        line,
        LineStatus.DECLINED,
        by_user=by_user,
        by_label=by_label,
        note=note,
        decline_reason=reason,
        decline_note=note.strip(),
    )
    _watch_needs(line.referral, NeedSignal.REFERRAL_DECLINED)
    emails.queue(
        key=f"line-{line.pk}-declined-prescriber",
        kind="declined",
        referral=line.referral,
        to=emails.prescriber_addresses(line.referral),
        reply_to=emails.recipient_addresses(line.offer),
        template="declined_prescriber",
        context={"referral": line.referral, "line": line},
    )
    _drop_attachments_nobody_needs(line.referral)
    return line


def _drop_attachments_nobody_needs(referral: Referral) -> int:
    """Delete the attachments once every line is declined or expired (the rule: models.ReferralAttachment)."""
    if referral.lines.exclude(status__in=DOSSIER_WITHDRAWN_STATUSES).exists():
        return 0
    return _delete_attachments(referral.attachments.all())


@transaction.atomic
def line_close(
    *,
    line: ReferralLine,
    outcome: str,
    funded_amount: int | None = None,
    reoriented_to: Offer | None = None,
    note: str = "",
    by_user=None,
    by_label: str = BY_LINK,
) -> ReferralLine:
    """Close an accepted line with its outcome; « réorienté vers » sends a new referral to that offer."""
    if outcome not in Outcome.values:
        raise ValidationError(_("Choisissez l'issue de l'accompagnement."))
    if outcome != Outcome.FUNDED:
        funded_amount = None
    if outcome == Outcome.REORIENTED:
        if reoriented_to is None or not Offer.objects.published().filter(pk=reoriented_to.pk).exists():
            raise ValidationError(_("Choisissez l'offre publiée vers laquelle le porteur est réorienté."))
        if reoriented_to.pk == line.offer_id:
            raise ValidationError(_("Choisissez une autre offre que la vôtre."))
    else:
        reoriented_to = None
    line = _move(
        line,
        LineStatus.CLOSED,
        by_user=by_user,
        by_label=by_label,
        note=note,
        outcome=outcome,
        funded_amount=funded_amount,
        reoriented_to=reoriented_to,
        closing_note=note.strip(),
    )
    referral = line.referral
    if outcome == Outcome.NO_AID:
        _watch_needs(referral, NeedSignal.REFERRAL_NO_AID)
    if reoriented_to is not None:
        _reorient(line, reoriented_to)
    emails.queue(
        key=f"line-{line.pk}-closed-prescriber",
        kind="closed",
        referral=referral,
        to=emails.prescriber_addresses(referral),
        reply_to=emails.recipient_addresses(line.offer),
        template="closed_prescriber",
        context={"referral": referral, "line": line, "next_offers": next_chain_offers(referral)},
    )
    return line


def _reorient(line: ReferralLine, offer: Offer) -> Referral:
    """A new dossier, same holder and consent, sent to the offer the recipient pointed at."""
    source = line.referral
    return referral_create(
        prescriber=source.prescriber,
        holder_name=source.holder_name,
        holder_email=source.holder_email,
        holder_phone=source.holder_phone,
        description=source.description,
        commune=source.commune,
        stage=source.stage,
        needs=list(source.needs.all()),
        legal_form=source.legal_form,
        offers=[offer],
        consent_given=True,
        share_answers=source.share_answers,
        source=ReferralSource.PRESCRIBER,
        reoriented_from=line,
    )


@transaction.atomic
def line_expire(*, line: ReferralLine) -> ReferralLine:
    line = _move(line, LineStatus.EXPIRED, by_label=BY_SYSTEM)
    emails.queue(
        key=f"line-{line.pk}-expired-prescriber",
        kind="expired",
        referral=line.referral,
        to=emails.prescriber_addresses(line.referral),
        reply_to=[],
        template="expired_prescriber",
        context={"referral": line.referral, "line": line},
    )
    _drop_attachments_nobody_needs(line.referral)
    return line


# ------------------------------------------------------------------------------------------- schedules


def send_reminders(*, now=None) -> int:
    """Remind recipients 7 and 21 days after sending without answer; each reminder is written once."""
    now = now or timezone.now()
    written = 0
    for days in REMINDER_DAYS:
        lines = ReferralLine.objects.awaiting_answer().filter(
            sent_at__lte=now - datetime.timedelta(days=days), sent_at__gt=now - EXPIRE_AFTER
        )
        for line in lines.select_related("referral__prescriber", "offer__structure"):
            with transaction.atomic():
                email = emails.queue(
                    key=f"line-{line.pk}-reminder-{days}",
                    kind=f"reminder-{days}",
                    referral=line.referral,
                    to=emails.recipient_addresses(line.offer),
                    reply_to=emails.prescriber_addresses(line.referral),
                    template="reminder_recipient",
                    context={"referral": line.referral, "line": line, "days": days, "url": emails.answer_url(line)},
                )
                written += email is not None
    logger.info("referral reminders: %d written", written)
    return written


def expire_unanswered(*, now=None) -> int:
    now = now or timezone.now()
    lines = ReferralLine.objects.awaiting_answer().filter(sent_at__lte=now - EXPIRE_AFTER)
    count = 0
    for line in lines:
        line_expire(line=line)
        count += 1
    logger.info("referral lines expired: %d", count)
    return count


def send_satisfaction_surveys(*, now=None) -> int:
    now = now or timezone.now()
    lines = ReferralLine.objects.filter(
        status=LineStatus.CLOSED, closed_at__lte=now - SATISFACTION_AFTER, satisfaction_sent_at__isnull=True
    ).select_related("referral", "offer__structure")
    count = 0
    for line in lines:
        with transaction.atomic():
            ReferralLine.objects.filter(pk=line.pk).update(satisfaction_sent_at=now)
            if line.referral.anonymised_at is None:
                emails.queue(
                    key=f"line-{line.pk}-satisfaction",
                    kind="satisfaction",
                    referral=line.referral,
                    to=emails.holder_addresses(line.referral),
                    reply_to=[],
                    template="satisfaction",
                    context={"referral": line.referral, "line": line, "url": emails.satisfaction_url(line)},
                )
                count += 1
    logger.info("satisfaction surveys: %d written", count)
    return count


@transaction.atomic
def satisfaction_record(*, line: ReferralLine, answer: str, comment: str = "") -> SatisfactionAnswer:
    if hasattr(line, "satisfaction"):
        raise ValidationError(_("Vous avez déjà répondu à ce questionnaire. Merci !"))
    record = SatisfactionAnswer(line=line, answer=answer, comment=comment.strip())
    record.full_clean()
    record.save()
    return record


def _finished_before(moment):
    """Referrals whose every line is over, the last one having ended before `moment`."""
    return (
        Referral.objects.exclude(lines__status__in=OPEN_STATUSES)
        .annotate(ended_at=Max(Coalesce("lines__closed_at", "lines__declined_at", "lines__expired_at")))
        .filter(ended_at__lt=moment)
    )


def purge_personal_data(*, now=None) -> dict:
    """Delete attachments 6 months and anonymise holders 24 months after the end of a referral."""
    now = now or timezone.now()
    attachments = ReferralAttachment.objects.filter(referral__in=_finished_before(now - ATTACHMENTS_KEPT).values("pk"))
    deleted_attachments = _delete_attachments(attachments)
    anonymised = 0
    for referral in _finished_before(now - ANONYMISE_AFTER).filter(anonymised_at__isnull=True):
        referral_anonymise(referral=referral)
        anonymised += 1
    unconfirmed = Referral.objects.filter(
        source=ReferralSource.HOLDER,
        holder_email_confirmed_at__isnull=True,
        created_at__lt=now - UNCONFIRMED_KEPT,
    )
    dropped = 0
    for referral in unconfirmed:
        referral_delete(referral=referral)
        dropped += 1
    counts = {"attachments_deleted": deleted_attachments, "anonymised": anonymised, "unconfirmed_deleted": dropped}
    logger.info("referral purge: %s", counts)
    return counts


def _delete_attachments(queryset) -> int:
    count = 0
    for attachment in queryset:
        attachment.file.delete(save=False)
        attachment.delete()
        count += 1
    return count


@transaction.atomic
def referral_anonymise(*, referral: Referral) -> Referral:
    """Erase the holder's data but keep the figures (stages, outcomes, dates) for the statistics."""
    _delete_attachments(referral.attachments.all())
    Referral.objects.filter(pk=referral.pk).update(
        holder_name="—",
        holder_email="",
        holder_phone="",
        description="",
        anonymised_at=timezone.now(),
    )
    ReferralTransition.objects.filter(line__referral=referral).update(note="")
    ReferralLine.objects.filter(referral=referral).update(decline_note="", closing_note="")
    SatisfactionAnswer.objects.filter(line__referral=referral).update(comment="")
    emails = Email.objects.filter(group=email_group(referral))
    emails.filter(~Q(status=EmailStatus.PENDING)).update(body="", to=[])
    emails.filter(status=EmailStatus.PENDING).delete()
    referral.refresh_from_db()
    return referral


@transaction.atomic
def referral_delete(*, referral: Referral) -> None:
    """The holder asked for deletion: the dossier, its lines, e-mails and files go."""
    _delete_attachments(referral.attachments.all())
    Referral.objects.filter(reoriented_from__referral=referral).update(reoriented_from=None)
    Email.objects.filter(group=email_group(referral)).delete()
    referral.delete()


def referral_export(*, referral: Referral) -> dict:
    """Everything we hold about the holder in this dossier, for their access request."""
    return {
        "orientation": referral.pk,
        "cree_le": referral.created_at.isoformat(),
        "nom": referral.holder_name,
        "courriel": referral.holder_email,
        "telephone": referral.holder_phone,
        "description": referral.description,
        "commune": referral.commune.name,
        "etape": referral.stage.name if referral.stage else "",
        "besoins": [need.name for need in referral.needs.all()],
        "forme_juridique": referral.legal_form.name if referral.legal_form else "",
        "consentement": {
            "version": referral.consent_version,
            "date": referral.consent_given_at.isoformat(),
            "partage_des_reponses": referral.share_answers,
        },
        "destinataires": [
            {
                "offre": line.offer.title,
                "structure": line.offer.structure.name,
                "statut": line.get_status_display(),
                "issue": line.get_outcome_display(),
            }
            for line in referral.lines.select_related("offer__structure")
        ],
        "pieces_jointes": [attachment.original_name for attachment in referral.attachments.all()],
    }
