"""The state machine of a referral line: allowed moves only, each one timestamped, attributed, logged, e-mailed."""

import itertools

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from accounts.models import Email
from funding.referrals import services
from funding.referrals.models import (
    DeclineReason,
    LineStatus,
    Outcome,
    Referral,
    ReferralLine,
    ReferralTransition,
)
from tests.factories import (
    OfferFactory,
    StructureFactory,
    deliver_outbox,
    make_agent,
    make_reachable_offer,
    make_referral,
)

pytestmark = pytest.mark.django_db

ALLOWED = {
    (LineStatus.DRAFT, LineStatus.SENT),
    (LineStatus.SENT, LineStatus.ACCEPTED),
    (LineStatus.SENT, LineStatus.DECLINED),
    (LineStatus.SENT, LineStatus.EXPIRED),
    (LineStatus.ACCEPTED, LineStatus.CLOSED),
}
EVERY_MOVE = list(itertools.product(LineStatus.values, LineStatus.values))
FORBIDDEN = [move for move in EVERY_MOVE if move not in ALLOWED]


def test_the_table_allows_exactly_the_documented_moves():
    assert {move for move in EVERY_MOVE if services.is_allowed(*move)} == ALLOWED
    assert len(FORBIDDEN) == 31


@pytest.mark.parametrize(("current", "target"), FORBIDDEN)
def test_every_forbidden_move_is_refused_and_leaves_no_trace(current, target):
    line = make_referral().lines.get()
    ReferralLine.objects.filter(pk=line.pk).update(status=current)
    logged = ReferralTransition.objects.count()
    emails = Email.objects.count()
    with pytest.raises(services.TransitionNotAllowed):
        services._move(line, target, by_label="essai")
    line.refresh_from_db()
    assert line.status == current
    assert ReferralTransition.objects.count() == logged
    assert Email.objects.count() == emails


@pytest.mark.parametrize("current", [s for s in LineStatus.values if s != LineStatus.SENT])
def test_public_answers_are_refused_outside_the_sent_state(current):
    line = make_referral().lines.get()
    ReferralLine.objects.filter(pk=line.pk).update(status=current)
    with pytest.raises(services.TransitionNotAllowed):
        services.line_accept(line=line)
    with pytest.raises(services.TransitionNotAllowed):
        services.line_decline(line=line, reason=DeclineReason.NO_CAPACITY)
    with pytest.raises(services.TransitionNotAllowed):
        services.line_expire(line=line)
    if current != LineStatus.ACCEPTED:
        with pytest.raises(services.TransitionNotAllowed):
            services.line_close(line=line, outcome=Outcome.SUPPORTED)


def test_creation_sends_every_line_and_logs_who_did_it():
    agent = make_agent("EPCI-200041317", first_name="Alix", last_name="Agent")
    offers = [make_reachable_offer() for _ in range(2)]
    referral = make_referral(*offers, prescriber=agent)
    lines = list(referral.lines.order_by("pk"))
    assert [line.status for line in lines] == [LineStatus.SENT, LineStatus.SENT]
    assert all(line.sent_at for line in lines)
    history = list(ReferralTransition.objects.filter(line=lines[0]).values_list("from_status", "to_status", "by_user"))
    assert history == [("", LineStatus.DRAFT, agent.pk), (LineStatus.DRAFT, LineStatus.SENT, agent.pk)]
    assert referral.consent_collected_by == agent and referral.consent_version


def test_sent_e_mails_reply_to_the_prescriber_and_carry_the_dossier():
    agent = make_agent("EPCI-200041317", email="alix@agglo-niort.fr")
    offer = OfferFactory(email="contact@incubateur.fr")
    make_referral(offer, prescriber=agent, holder_email="dom@exemple.org")
    assert deliver_outbox() == []
    by_to = {tuple(message.to): message for message in mail.outbox}
    to_recipient = by_to[("contact@incubateur.fr",)]
    assert to_recipient.reply_to == ["alix@agglo-niort.fr"]
    assert "Dominique Porteur" in to_recipient.body and "/orientations/reponse/" in to_recipient.body
    to_holder = by_to[("dom@exemple.org",)]
    assert to_holder.reply_to == ["alix@agglo-niort.fr"]
    assert offer.title in to_holder.body


def test_accepting_timestamps_and_tells_the_prescriber_replying_to_the_structure():
    agent = make_agent("EPCI-200041317", email="alix@agglo-niort.fr")
    offer = OfferFactory(email="contact@incubateur.fr")
    line = make_referral(offer, prescriber=agent, holder_email="dom@exemple.org").lines.get()
    deliver_outbox()
    mail.outbox.clear()
    line = services.line_accept(line=line)
    assert line.status == LineStatus.ACCEPTED and line.accepted_at and line.answered_at == line.accepted_at
    assert line.transitions.last().by_label == services.BY_LINK
    deliver_outbox()
    by_to = {tuple(message.to): message for message in mail.outbox}
    assert by_to[("alix@agglo-niort.fr",)].reply_to == ["contact@incubateur.fr"]
    assert by_to[("dom@exemple.org",)].reply_to == ["contact@incubateur.fr"]
    assert by_to[("contact@incubateur.fr",)].reply_to == ["alix@agglo-niort.fr"]
    assert "/orientations/reponse/" in by_to[("contact@incubateur.fr",)].body  # the link to close later


def test_a_recipient_without_address_of_its_own_is_reached_through_its_members():
    from tests.factories import make_editor

    structure = StructureFactory(email="")
    editor = make_editor(structure, email="membre@structure.fr")
    make_referral(OfferFactory(structure=structure, email=""), holder_email="", holder_phone="0549000000")
    deliver_outbox()
    assert [message.to for message in mail.outbox] == [[editor.email]]


def test_declining_needs_a_reason_from_the_list_and_text_for_other():
    line = make_referral().lines.get()
    with pytest.raises(ValidationError):
        services.line_decline(line=line, reason="because")
    with pytest.raises(ValidationError):
        services.line_decline(line=line, reason=DeclineReason.OTHER, note="  ")
    line.refresh_from_db()
    assert line.status == LineStatus.SENT
    line = services.line_decline(line=line, reason=DeclineReason.OTHER, note="Nous fermons en août.")
    assert (line.status, line.decline_note) == (LineStatus.DECLINED, "Nous fermons en août.")
    assert Email.objects.filter(kind="declined").count() == 1


def test_closing_with_each_outcome_records_it():
    for outcome in [Outcome.SUPPORTED, Outcome.NO_AID, Outcome.UNREACHABLE]:
        line = services.line_accept(line=make_referral().lines.get())
        line = services.line_close(line=line, outcome=outcome, funded_amount=5000)
        assert (line.status, line.outcome, line.funded_amount) == (LineStatus.CLOSED, outcome, None)
    line = services.line_accept(line=make_referral().lines.get())
    line = services.line_close(line=line, outcome=Outcome.FUNDED, funded_amount=8000)
    assert line.funded_amount == 8000 and line.closed_at


def test_reorienting_creates_a_new_referral_to_the_other_offer():
    first, other = make_reachable_offer(), make_reachable_offer()
    referral = make_referral(first, holder_phone="05 49 00 00 00")
    line = services.line_accept(line=referral.lines.get())
    with pytest.raises(ValidationError):
        services.line_close(line=line, outcome=Outcome.REORIENTED)
    line = services.line_close(line=line, outcome=Outcome.REORIENTED, reoriented_to=other)
    new = Referral.objects.get(reoriented_from=line)
    assert new.pk != referral.pk and new.holder_phone == "05 49 00 00 00"
    assert list(new.lines.values_list("offer", "status")) == [(other.pk, LineStatus.SENT)]
    assert new.prescriber == referral.prescriber


def test_a_referral_without_consent_or_contact_is_refused_whole():
    with pytest.raises(ValidationError):
        make_referral(consent_given=False)
    with pytest.raises(ValidationError):
        make_referral(holder_email="", holder_phone="")
    assert Referral.objects.count() == 0 and ReferralLine.objects.count() == 0
