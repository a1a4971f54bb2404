"""The organisation: kommuner, förbund, teams, quotas and the two kinds of membership."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from rehab.models.choices import Referrer

# The disclosure threshold T of SPEC §11. reporting/disclosure.py, a layer above, keeps the
# same three numbers (a test holds them equal): rehab may not import reporting.
DEFAULT_THRESHOLD = 5
MIN_THRESHOLD = 3
MAX_THRESHOLD = 10


class Kommun(models.Model):
    """One of Sweden's 290 municipalities, loaded from SCB's list by a data migration."""

    code = models.CharField("kommunkod", max_length=4, unique=True)
    name = models.CharField("kommun", max_length=60, unique=True)
    county_code = models.CharField("länskod", max_length=2)
    county_name = models.CharField("län", max_length=60)

    class Meta:
        verbose_name = "kommun"
        verbose_name_plural = "kommuner"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Forbund(models.Model):
    """A samordningsförbund: funds teams, sees aggregates only."""

    name = models.CharField("namn", max_length=200, unique=True)
    disclosure_threshold = models.PositiveSmallIntegerField(
        "gräns för små antal",
        default=DEFAULT_THRESHOLD,
        validators=[MinValueValidator(MIN_THRESHOLD), MaxValueValidator(MAX_THRESHOLD)],
        help_text=(
            "Antal från 1 till gränsen minus ett visas som ”<gränsen” för förbund och "
            "styrgrupp (3–10)."
        ),
    )

    class Meta:
        verbose_name = "samordningsförbund"
        verbose_name_plural = "samordningsförbund"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(disclosure_threshold__range=(MIN_THRESHOLD, MAX_THRESHOLD)),
                name="forbund_disclosure_threshold_3_to_10",
                violation_error_message="Gränsen för små antal ska vara från 3 till 10.",
            ),
        ]

    def __str__(self):
        return self.name


class Team(models.Model):
    """A team (insats/verksamhet) run by a huvudman and funded by a förbund."""

    class Kind(models.TextChoices):
        REHAB = "rehab", "Insatsteam"
        TRIAGE = "triage", "En väg in (triage)"

    forbund = models.ForeignKey(
        Forbund, on_delete=models.PROTECT, related_name="teams", verbose_name="förbund"
    )
    name = models.CharField("namn", max_length=100, unique=True)
    kind = models.CharField("typ", max_length=10, choices=Kind, default=Kind.REHAB)
    huvudman = models.CharField(
        "huvudman", max_length=200, help_text="Arbetsgivaren som äger personuppgifterna."
    )
    kommuner = models.ManyToManyField(
        Kommun, related_name="teams", verbose_name="kommuner som teamet tjänar", blank=True
    )
    triage_team = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="methods",
        verbose_name="En väg in-team",
        help_text="Om teamet är en metod som En väg in fördelar remisser till.",
        limit_choices_to={"kind": "triage"},
    )
    frame_months = models.PositiveSmallIntegerField("total ramtid (månader)", default=24)
    approval_lead_months = models.PositiveSmallIntegerField(
        "framförhållning ledningsgruppsbeslut (månader)", default=2
    )
    followup_interval_months = models.PositiveSmallIntegerField(
        "intervall för uppföljningsmöten (månader)",
        null=True,
        blank=True,
        help_text="Tomt = inga återkommande uppföljningar (REBUS: 2).",
    )
    min_age = models.PositiveSmallIntegerField("lägsta ålder", default=18)
    max_age = models.PositiveSmallIntegerField("högsta ålder", default=64)
    target_step_pct = models.PositiveSmallIntegerField("mål stegförflyttning (%)", default=80)
    target_work_pct = models.PositiveSmallIntegerField("mål arbete eller studier (%)", default=30)
    target_wellbeing_pct = models.PositiveSmallIntegerField("mål ökat välmående (%)", default=80)
    is_active = models.BooleanField("aktivt", default=True)
    # SPEC §13: the rules of the source teams, each a setting (soft rules warn and are counted).
    total_places = models.PositiveSmallIntegerField(
        "löpande platser totalt",
        null=True,
        blank=True,
        help_text="Tomt = inget tak. Fler inskrivna varnar men stoppar inte (REBUS: 40).",
    )
    expected_referrer = models.CharField(
        "förväntad remissväg",
        max_length=10,
        choices=Referrer,
        blank=True,
        help_text="Inskrivningar från en annan remittent varnar. Tomt = ingen förväntad väg.",
    )
    require_referring_income = models.BooleanField(
        "försörjning från en remitterande part",
        default=False,
        help_text="Varna när deltagarens enda försörjning är ”Ingen offentlig försörjning”.",
    )
    is_complementary = models.BooleanField(
        "kompletterande insats",
        default=False,
        help_text="Deltagaren kan vara inskriven här samtidigt som i ett huvudteam (AKTIV).",
    )
    has_case_meetings = models.BooleanField(
        "ärendemöten (samverkansteam)",
        default=False,
        help_text="Teamet har fasta ärendemöten med myndigheterna där deltagare diskuteras "
        "(Samverkan Lekeberg).",
    )

    class Meta:
        verbose_name = "team"
        verbose_name_plural = "team"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(approval_lead_months__lt=models.F("frame_months")),
                name="team_approval_lead_within_frame",
                violation_error_message="Framförhållningen måste vara kortare än ramtiden.",
            ),
            models.CheckConstraint(
                condition=Q(min_age__lte=models.F("max_age")),
                name="team_min_age_not_above_max",
                violation_error_message="Lägsta ålder får inte vara högre än högsta ålder.",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_triage(self):
        return self.kind == self.Kind.TRIAGE


class KommunQuota(models.Model):
    """Optional per-kommun quota of places (REBUS: Hagfors 17, Forshaga 17, Munkfors 6)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="quotas")
    kommun = models.ForeignKey(Kommun, on_delete=models.PROTECT, verbose_name="kommun")
    places = models.PositiveSmallIntegerField("platser")

    class Meta:
        verbose_name = "platskvot"
        verbose_name_plural = "platskvoter"
        constraints = [
            models.UniqueConstraint(fields=["team", "kommun"], name="quota_one_per_team_kommun")
        ]

    def __str__(self):
        return f"{self.team}: {self.kommun} {self.places}"


class Membership(models.Model):
    """A user's role in a team. Team roles decide who may see personal data."""

    class Role(models.TextChoices):
        HANDLEDARE = "handledare", "Handledare"
        ADMIN = "admin", "Enhetschef (admin)"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("roll", max_length=12, choices=Role, default=Role.HANDLEDARE)

    class Meta:
        verbose_name = "teammedlemskap"
        verbose_name_plural = "teammedlemskap"
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="membership_one_per_user_team")
        ]

    def __str__(self):
        return f"{self.user} – {self.team} ({self.get_role_display()})"


class ForbundMembership(models.Model):
    """A förbund officer or steering-group member: aggregates only, never personal data."""

    class Role(models.TextChoices):
        FORBUND = "forbund", "Förbundstjänsteperson"
        STYRGRUPP = "styrgrupp", "Styrgrupp (LSG)"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forbund_memberships"
    )
    forbund = models.ForeignKey(Forbund, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("roll", max_length=12, choices=Role)
    # SPEC §13 rule 15: a steering group for some teams only (En väg in's own). Empty = every
    # team of the förbund. Teams of another förbund are refused by clean() and ignored by
    # rehab/access.py.
    teams = models.ManyToManyField(
        Team,
        blank=True,
        related_name="steering_memberships",
        verbose_name="team som medlemskapet gäller",
        help_text="Tomt = alla team i förbundet. Annars ser medlemmen bara de valda teamen.",
    )

    class Meta:
        verbose_name = "förbundsmedlemskap"
        verbose_name_plural = "förbundsmedlemskap"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "forbund"], name="forbund_membership_one_per_user_forbund"
            )
        ]

    def __str__(self):
        return f"{self.user} – {self.forbund} ({self.get_role_display()})"
