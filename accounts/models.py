"""Accounts and roles. Roles are data; what each role may see is decided in accounts/scopes.py querysets."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in with an e-mail address (project holders need no account)."""

    username = None
    email = models.EmailField(_("adresse électronique"), unique=True)
    # Set only by the holders' sign-up (/compte/inscription/): which terms were accepted, and when.
    terms_version = models.CharField(_("version des conditions acceptées"), max_length=40, blank=True)
    terms_accepted_at = models.DateTimeField(_("conditions acceptées le"), null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")

    def __str__(self):
        return self.get_full_name() or self.email

    @property
    def awaits_activation(self) -> bool:
        """True for an account made by the sign-up whose link was never used (never a deactivated account)."""
        return not self.is_active and self.last_login is None and self.terms_accepted_at is not None


class Curator(models.Model):
    """CRESS staff: curate the directory of one or more régions."""

    user = models.OneToOneField(User, models.CASCADE, related_name="curator")
    regions = models.ManyToManyField(
        "directory.Territory",
        related_name="curators",
        limit_choices_to={"kind": "REG"},
        verbose_name=_("régions"),
    )

    class Meta:
        verbose_name = _("curateur (CRESS)")
        verbose_name_plural = _("curateurs (CRESS)")

    def __str__(self):
        return str(self.user)


class Agent(models.Model):
    """A local-authority agent or adviser who refers project holders, scoped to territories."""

    user = models.OneToOneField(User, models.CASCADE, related_name="agent")
    organisation = models.CharField(_("organisme"), max_length=200)
    territories = models.ManyToManyField(
        "directory.Territory", related_name="agents", verbose_name=_("territoires d'intervention")
    )
    sees_territory_referrals = models.BooleanField(
        _("voit les orientations de son territoire"),
        default=False,
        help_text=_("Sinon, l'agent ne voit que les orientations qu'il a envoyées."),
    )

    class Meta:
        verbose_name = _("agent ou conseiller")
        verbose_name_plural = _("agents et conseillers")

    def __str__(self):
        return f"{self.user} ({self.organisation})"


class MembershipRole(models.TextChoices):
    ADMIN = "admin", _("Administrateur de la structure")
    MEMBER = "member", _("Membre")


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INVITED = "invited", _("Invitation envoyée")
    REQUESTED = "requested", _("Demande d'accès en attente")


class StructureMembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=MembershipStatus.ACTIVE)


class StructureMembership(models.Model):
    """A person who may edit a structure and its offers (admins also validate other members)."""

    user = models.ForeignKey(User, models.CASCADE, related_name="memberships")
    structure = models.ForeignKey("directory.Structure", models.CASCADE, related_name="memberships")
    role = models.CharField(_("rôle"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.MEMBER)
    status = models.CharField(
        _("statut"), max_length=10, choices=MembershipStatus.choices, default=MembershipStatus.REQUESTED
    )
    validated_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StructureMembershipQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "structure"], name="membership_unique")]
        verbose_name = _("membre d'une structure")
        verbose_name_plural = _("membres des structures")

    def __str__(self):
        return f"{self.user} — {self.structure}"


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("À envoyer")
    SENT = "sent", _("Envoyé")
    FAILED = "failed", _("Échec définitif")


class EmailQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=EmailStatus.PENDING)


class Email(models.Model):
    """The outbox: every e-mail the site sends is a row here first (written in the caller's transaction), then sent
    by a Celery worker (accounts/outbox.py). A broker or SMTP outage delays e-mails; it never loses them, and a row is
    sent at most once. `key` makes a queued e-mail idempotent (a retried task writes it once)."""

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=40)
    to = models.JSONField(default=list)
    reply_to = models.JSONField(default=list, blank=True)
    headers = models.JSONField(default=dict, blank=True)  # e.g. List-Unsubscribe of the alert digests
    # What the e-mail is about, for the purges of a higher layer (e.g. "referral-<pk>"): a string, not a foreign key,
    # since the outbox sits below the apps whose e-mails it sends.
    group = models.CharField(max_length=60, blank=True, db_index=True)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = EmailQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("courriel à envoyer")
        verbose_name_plural = _("courriels à envoyer")

    def __str__(self):
        return f"{self.kind} n° {self.pk}"
