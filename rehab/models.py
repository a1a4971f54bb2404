"""Core domain: organisation (förbund, team, kommun, membership) and the case
(participant, enrolment, action plan, journal, deviations, exit, audit)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from rehab.personnummer import mask


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

    class Meta:
        verbose_name = "samordningsförbund"
        verbose_name_plural = "samordningsförbund"
        ordering = ["name"]

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


# --- The case ------------------------------------------------------------------------------


class Gender(models.TextChoices):
    K = "K", "Kvinna"
    M = "M", "Man"
    X = "X", "Annat / ej angivet"


class Referrer(models.TextChoices):
    EVI = "EVI", "En väg in"
    AF = "AF", "Arbetsförmedlingen"
    FK = "FK", "Försäkringskassan"
    REGION = "Region", "Regionen (hälso- och sjukvård)"
    KOMMUN = "Kommun", "Kommunen (IFO/AME)"
    EGEN = "Egen", "Egen anmälan"


class ExitOutcome(models.TextChoices):
    """SPEC §8 outcome codes, in the order of the board table."""

    TIDIGT_AVHOPP = "tidigt_avhopp", "Tidigt avhopp"
    ARBETE = "arbete", "Arbete (med eller utan stöd)"
    STUDIER = "studier", "Studier"
    ANNAN_REHAB = "annan_arbetslivsinriktad_rehab", "Annan arbetslivsinriktad rehabilitering"
    MEDICINSK_REHAB = "medicinsk_rehab", "Medicinsk rehabilitering"
    ERSATTNING = "aktivitets_eller_sjukersattning", "Aktivitets- eller sjukersättning"
    ANNAT = "annat", "Annat, t.ex. social praktik"


class Agency(models.TextChoices):
    """The agencies that pool their money in a förbund."""

    AF = "AF", "Arbetsförmedlingen"
    FK = "FK", "Försäkringskassan"
    REGION = "Region", "Regionen"
    KOMMUN = "Kommun", "Kommunen"


class Occupation(models.TextChoices):
    ARBETE = "forvarvsarbete", "Förvärvsarbete"
    STUDIER = "studier", "Studier"
    ARBETSSOKANDE = "arbetssokande", "Arbetssökande"
    OVRIGT = "ovrigt", "Övrigt"


class Education(models.TextChoices):
    FORGYMNASIAL = "forgymnasial", "Förgymnasial"
    GYMNASIAL = "gymnasial", "Gymnasial"
    EFTERGYMNASIAL = "eftergymnasial", "Eftergymnasial"
    OKAND = "okand", "Okänd"


class IncomeSource(models.TextChoices):
    """Försörjning. Stored as a bit set (see INCOME_BITS) so that the board's before → after
    matrix is a handful of conditional counts in one query."""

    SJUKPENNING = "sjukpenning", "Sjukpenning / rehabiliteringspenning"
    ERSATTNING = "ersattning", "Sjuk- eller aktivitetsersättning"
    AKASSA = "akassa", "A-kassa"
    AKTIVITETSSTOD = "aktivitetsstod", "Aktivitetsstöd"
    FORSORJNINGSSTOD = "forsorjningsstod", "Försörjningsstöd"
    ANNAN = "annan", "Annan försörjning"
    INGEN = "ingen", "Ingen offentlig försörjning"


INCOME_BITS = {source: 1 << i for i, source in enumerate(IncomeSource.values)}


def income_to_bits(sources):
    bits = 0
    for source in sources:
        bits |= INCOME_BITS[source]
    return bits


def income_from_bits(bits):
    return [source for source, bit in INCOME_BITS.items() if bits and bits & bit]


class Participant(models.Model):
    """A person in the programme. Anonymous participants carry no personnummer or name."""

    personnummer = models.CharField(
        "personnummer", max_length=12, unique=True, null=True, blank=True, editable=False
    )
    first_name = models.CharField("förnamn", max_length=100, blank=True)
    last_name = models.CharField("efternamn", max_length=100, blank=True)
    is_anonymous = models.BooleanField("anonym inskrivning", default=False)
    gender = models.CharField("kön", max_length=1, choices=Gender)
    birth_year = models.PositiveSmallIntegerField("födelseår")
    birth_date = models.DateField("födelsedatum", null=True, blank=True)
    kommun = models.ForeignKey(
        Kommun, on_delete=models.PROTECT, related_name="+", verbose_name="folkbokföringskommun"
    )
    phone = models.CharField("telefon", max_length=40, blank=True)
    email = models.EmailField("e-post", blank=True)
    address = models.CharField("adress", max_length=200, blank=True)
    interpreter_needed = models.BooleanField("behov av tolk", default=False)
    interpreter_language = models.CharField("tolkspråk", max_length=60, blank=True)
    protected_identity = models.BooleanField("skyddad identitet", default=False)
    created_at = models.DateTimeField("registrerad", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="registrerad av",
    )

    class Meta:
        verbose_name = "deltagare"
        verbose_name_plural = "deltagare"
        constraints = [
            models.CheckConstraint(
                condition=Q(is_anonymous=False, personnummer__isnull=False)
                | Q(is_anonymous=True, personnummer__isnull=True, first_name="", last_name=""),
                name="participant_anonymous_has_no_identity",
                violation_error_message=(
                    "En anonym deltagare får inte ha personnummer eller namn; "
                    "övriga måste ha personnummer."
                ),
            ),
        ]
        indexes = [
            # Caseload search by name.
            models.Index(fields=["last_name", "first_name"], name="participant_name_idx"),
        ]

    def __str__(self):
        if self.is_anonymous:
            return f"Anonym deltagare #{self.pk}"
        return f"{self.first_name} {self.last_name}".strip()

    def get_absolute_url(self):
        return reverse("participant_detail", args=[self.pk])

    @property
    def masked_personnummer(self):
        return mask(self.personnummer) if self.personnummer else "–"


class EnrolmentQuerySet(models.QuerySet):
    """The one definition of which enrolments count, used by the board, the dashboards, the
    deadlines, the caseload and the purge."""

    def valid(self):
        """Enrolments not registered in error: the only ones any figure or list counts."""
        return self.filter(registered_in_error=False)

    def active(self, as_of=None):
        """Enrolments in progress: with no exit (now), or with no exit on or before `as_of`."""
        if as_of is None:
            return self.valid().filter(exit_date__isnull=True)
        return self.valid().filter(Q(exit_date__isnull=True) | Q(exit_date__gt=as_of))

    def in_period(self, date_from, date_to):
        """Enrolments that were in progress on some day from `date_from` to `date_to`
        inclusive: started by the period's end and not exited before its start."""
        return self.valid().filter(
            Q(exit_date__isnull=True) | Q(exit_date__gte=date_from), start_date__lte=date_to
        )


class Enrolment(models.Model):
    """Inskrivning: one participant's time in one team, from start to exit."""

    class Phase(models.TextChoices):
        KARTLAGGNING = "kartlaggning", "Kartläggning"
        AKTIVITET = "aktivitet", "Aktivitet"
        PROVNING = "provning", "Prövning"
        AVSLUT = "avslut", "Avslut"

    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="enrolments", verbose_name="deltagare"
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="enrolments", verbose_name="team"
    )
    referrer = models.CharField("remittent", max_length=10, choices=Referrer)
    start_date = models.DateField("startdatum")
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="responsible_for",
        verbose_name="ansvarig handledare",
    )
    case_officer_name = models.CharField("ordinarie handläggare", max_length=200, blank=True)
    case_officer_agency = models.CharField("handläggarens myndighet", max_length=100, blank=True)
    case_officer_phone = models.CharField("handläggarens telefon", max_length=40, blank=True)
    case_officer_email = models.EmailField("handläggarens e-post", blank=True)
    first_followup_date = models.DateField("första uppföljning", null=True, blank=True)
    agencies = models.JSONField(
        "involverade myndigheter",
        default=list,
        blank=True,
        help_text="Myndigheter som deltar i insatsen (AF, FK, Region, Kommun).",
    )
    income_start = models.PositiveSmallIntegerField("försörjning vid start", default=0)
    occupation_start = models.CharField(
        "sysselsättning vid start", max_length=20, choices=Occupation, blank=True
    )
    occupation_start_share = models.PositiveSmallIntegerField(
        "andel av heltid vid start (%)", null=True, blank=True
    )
    education = models.CharField("utbildningsnivå", max_length=20, choices=Education, blank=True)
    months_without_work = models.PositiveSmallIntegerField(
        "månader utan arbete eller studier före start", null=True, blank=True
    )
    wellbeing_start = models.PositiveSmallIntegerField(
        "självskattat välmående vid start (1–10)", null=True, blank=True
    )
    phase = models.CharField("fas", max_length=15, choices=Phase, default=Phase.KARTLAGGNING)

    exit_date = models.DateField("avslutsdatum", null=True, blank=True)
    exit_outcome = models.CharField("avslutsorsak", max_length=40, choices=ExitOutcome, blank=True)
    income_exit = models.PositiveSmallIntegerField("försörjning vid avslut", null=True, blank=True)
    occupation_exit = models.CharField(
        "sysselsättning vid avslut", max_length=20, choices=Occupation, blank=True
    )
    occupation_exit_share = models.PositiveSmallIntegerField(
        "andel av heltid vid avslut (%)", null=True, blank=True
    )
    wellbeing_exit = models.PositiveSmallIntegerField(
        "självskattat välmående vid avslut (1–10)", null=True, blank=True
    )
    exit_conversation_held = models.BooleanField("avslutningssamtal hållet", null=True)
    exit_plan = models.TextField("handlingsplan efter avslut", blank=True)

    registered_in_error = models.BooleanField("felregistrerad", default=False)
    error_reason = models.TextField("skäl till felregistrering", blank=True)
    created_at = models.DateTimeField("registrerad", auto_now_add=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = "inskrivning"
        verbose_name_plural = "inskrivningar"
        constraints = [
            models.CheckConstraint(
                condition=Q(exit_date__isnull=True) | Q(exit_date__gte=models.F("start_date")),
                name="enrolment_exit_not_before_start",
                violation_error_message="Avslutsdatum kan inte ligga före startdatum.",
            ),
            models.CheckConstraint(
                condition=Q(exit_date__isnull=True, exit_outcome="")
                | (Q(exit_date__isnull=False) & ~Q(exit_outcome="")),
                name="enrolment_exit_has_outcome",
                violation_error_message="Ett avslut kräver både datum och avslutsorsak.",
            ),
            models.CheckConstraint(
                condition=(Q(wellbeing_start__isnull=True) | Q(wellbeing_start__range=(1, 10)))
                & (Q(wellbeing_exit__isnull=True) | Q(wellbeing_exit__range=(1, 10))),
                name="enrolment_wellbeing_1_to_10",
                violation_error_message="Välmående skattas från 1 till 10.",
            ),
            models.UniqueConstraint(
                fields=["participant", "team"],
                condition=Q(exit_date__isnull=True, registered_in_error=False),
                name="enrolment_one_active_per_participant_team",
                violation_error_message="Deltagaren har redan en pågående inskrivning i teamet.",
            ),
            models.UniqueConstraint(
                fields=["participant", "team", "start_date"],
                condition=Q(registered_in_error=False),
                name="enrolment_unique_start_per_participant_team",
                violation_error_message="Det finns redan en inskrivning med samma startdatum.",
            ),
        ]
        indexes = [
            # Board tables and dashboards filter a team's enrolments by start and exit dates.
            models.Index(fields=["team", "start_date"], name="enrolment_team_start_idx"),
            models.Index(fields=["team", "exit_date"], name="enrolment_team_exit_idx"),
            # The handledare's caseload: their active enrolments.
            models.Index(fields=["responsible", "exit_date"], name="enrolment_responsible_idx"),
        ]

    def __str__(self):
        return f"{self.participant} i {self.team} från {self.start_date:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("participant_detail", args=[self.participant_id])

    @property
    def is_active(self):
        return self.exit_date is None and not self.registered_in_error

    @property
    def income_start_list(self):
        return income_from_bits(self.income_start)

    @property
    def income_exit_list(self):
        return income_from_bits(self.income_exit)


class Goal(models.Model):
    """A goal in the action plan; a goal with a parent is a sub-goal (delmål)."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planerat"
        IN_PROGRESS = "in_progress", "Pågår"
        ACHIEVED = "achieved", "Uppnått"
        DROPPED = "dropped", "Avbrutet"

    # No index of its own: goal_enrolment_status_idx starts with the enrolment.
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="goals", db_index=False
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subgoals",
        verbose_name="övergripande mål",
    )
    text = models.CharField("mål", max_length=300)
    status = models.CharField("status", max_length=12, choices=Status, default=Status.PLANNED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "mål"
        verbose_name_plural = "mål"
        ordering = ["created_at", "pk"]
        indexes = [
            # Step movement: exits with at least one achieved sub-goal.
            models.Index(fields=["enrolment", "status"], name="goal_enrolment_status_idx"),
        ]

    def __str__(self):
        return self.text


class JournalNote(models.Model):
    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", "Individuellt samtal"
        GROUP = "group", "Gruppaktivitet"
        WELLNESS = "wellness", "Friskvård"
        PRACTICE_VISIT = "practice_visit", "Praktikbesök"
        MEETING = "meeting", "Möte"
        PHONE = "phone", "Telefonsamtal"

    # No index of its own: note_enrolment_date_idx starts with the enrolment (the journal is
    # the largest table, ~20 rows per enrolment, so a second index costs every insert).
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="notes", db_index=False
    )
    date = models.DateField("datum")
    kind = models.CharField("typ", max_length=20, choices=Kind)
    text = models.TextField("anteckning")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "journalanteckning"
        verbose_name_plural = "journalanteckningar"
        ordering = ["-date", "-pk"]
        indexes = [
            # The participant page lists an enrolment's notes newest first.
            models.Index(fields=["enrolment", "-date"], name="note_enrolment_date_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date:%Y-%m-%d}"


class Deviation(models.Model):
    """Avvikelse during a module: must be reported to the case officer the same day."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="deviations")
    occurred_at = models.DateTimeField("inträffade")
    description = models.TextField("vad hände")
    reported_at = models.DateTimeField("rapporterad", null=True, blank=True)
    reported_to = models.CharField("rapporterad till", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "avvikelse"
        verbose_name_plural = "avvikelser"
        ordering = ["-occurred_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reported_at__isnull=True)
                | Q(reported_at__gte=models.F("occurred_at")),
                name="deviation_reported_not_before_occurred",
                violation_error_message="Rapporteringen kan inte ske innan avvikelsen inträffade.",
            )
        ]

    def __str__(self):
        return f"Avvikelse {self.occurred_at:%Y-%m-%d}"


class ExitFollowUp(models.Model):
    """Optional follow-up 3, 6 or 12 months after exit: do results last?"""

    class After(models.IntegerChoices):
        M3 = 3, "3 månader"
        M6 = 6, "6 månader"
        M12 = 12, "12 månader"

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="exit_followups"
    )
    months_after = models.PositiveSmallIntegerField("månader efter avslut", choices=After)
    date = models.DateField("datum")
    occupation = models.CharField("sysselsättning", max_length=20, choices=Occupation)
    income = models.PositiveSmallIntegerField("försörjning", default=0)

    class Meta:
        verbose_name = "uppföljning efter avslut"
        verbose_name_plural = "uppföljningar efter avslut"
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "months_after"], name="exit_followup_once_per_interval"
            )
        ]

    def __str__(self):
        return f"{self.get_months_after_display()} efter avslut"


class AuditEvent(models.Model):
    """Who did what, when. Written by services; no application code updates or deletes it."""

    at = models.DateTimeField("tid", auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="användare",
    )
    action = models.CharField("händelse", max_length=60)
    object_type = models.CharField("objekttyp", max_length=60)
    object_id = models.CharField("objekt-id", max_length=40, blank=True)
    participant_id = models.BigIntegerField("deltagare-id", null=True, blank=True)
    changes = models.JSONField("ändringar", default=dict, blank=True)

    class Meta:
        verbose_name = "granskningshändelse"
        verbose_name_plural = "granskningshändelser"
        ordering = ["-at"]
        indexes = [
            # Log review by participant.
            models.Index(fields=["participant_id", "-at"], name="audit_participant_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class GroupActivity(models.Model):
    """A scheduled group activity (fikagrupp, friskvård …) whose attendance is recorded."""

    class Kind(models.TextChoices):
        GROUP = "group", "Gruppaktivitet"
        WELLNESS = "wellness", "Friskvård"

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="activities", verbose_name="team"
    )
    date = models.DateField("datum")
    title = models.CharField("aktivitet", max_length=150)
    kind = models.CharField("typ", max_length=10, choices=Kind, default=Kind.GROUP)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "gruppaktivitet"
        verbose_name_plural = "gruppaktiviteter"
        ordering = ["-date", "-pk"]
        indexes = [
            # The team's activity list, newest first.
            models.Index(fields=["team", "-date"], name="activity_team_date_idx"),
        ]

    def __str__(self):
        return f"{self.title} {self.date:%Y-%m-%d}"


class Attendance(models.Model):
    """Whether an enrolled participant attended a group activity."""

    activity = models.ForeignKey(
        GroupActivity, on_delete=models.CASCADE, related_name="attendances"
    )
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendances")
    present = models.BooleanField("närvarande", default=False)

    class Meta:
        verbose_name = "närvaro"
        verbose_name_plural = "närvaro"
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "enrolment"], name="attendance_once_per_activity"
            )
        ]

    def __str__(self):
        return f"{self.activity}: {'närvarande' if self.present else 'frånvarande'}"


class DataVersion(models.Model):
    """One row: a random token replaced after every write, the key of the cached read models
    (rehab/freshness.py). Not domain data; nothing else refers to it."""

    token = models.BigIntegerField("token", default=0)

    class Meta:
        verbose_name = "dataversion"
        verbose_name_plural = "dataversioner"

    def __str__(self):
        return str(self.token)
