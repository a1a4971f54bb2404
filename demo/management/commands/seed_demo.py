import secrets

from django.core.management.base import BaseCommand, CommandError

from demo import national, organisation, sources
from demo.budget import seed_budget
from demo.questionnaires import seed_questionnaires
from demo.seeding import seed_cases
from rehab import freshness


class Command(BaseCommand):
    help = (
        "Skapar demoorganisationen (SPEC §3), en demoanvändare per roll och N syntetiska "
        "deltagare. Att köra kommandot igen ändrar ingenting."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--participants",
            type=int,
            default=60,
            help="Antal syntetiska deltagare över flera år (0 = bara organisationen).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Slumpfrö för demodata.")
        parser.add_argument(
            "--years",
            type=int,
            default=national.YEARS,
            help=(
                f"Antal år som deltagarna sprids över, från {national.NATIONAL_FROM} deltagare "
                f"(standard: {national.YEARS}). Samma antal deltagare per år på fler år ger "
                "en längre historik med samma antal team."
            ),
        )
        parser.add_argument(
            "--only-vasterbergslagen",
            action="store_true",
            help="Bara Västerbergslagen (SPEC §3), utan de övriga förbunden i SPEC §13.",
        )
        parser.add_argument(
            "--password",
            help="Lösenord för alla demoanvändare (standard: ett slumpat, som skrivs ut).",
        )

    def handle(self, *args, participants, seed, years, password, only_vasterbergslagen, **options):
        if participants < 0:
            raise CommandError("--participants måste vara 0 eller större.")
        if not 1 <= years <= national.MAX_YEARS:
            raise CommandError(f"--years måste vara mellan 1 och {national.MAX_YEARS}.")
        if years != national.YEARS and participants < national.NATIONAL_FROM:
            raise CommandError(
                f"--years gäller från {national.NATIONAL_FROM} deltagare (den nationella "
                "profilen); den lilla demon har sina egna år."
            )
        org = organisation.seed_organisation()
        existed = not organisation.seed_users(org, None)
        if password is None and existed:
            self.stdout.write(
                "Demoanvändarna finns redan; lösenorden är oförändrade "
                "(ange --password för att sätta ett nytt)."
            )
            shown = "(oförändrat)"
        else:
            shown = password or secrets.token_urlsafe(12)
            organisation.seed_users(org, shown)
        counts = seed_cases(org, participants=participants, seed=seed, years=years)
        seed_budget(org, seed=seed)  # SPEC §10: Rehabteamet's 2024 budget with actual costs
        others = None
        if not only_vasterbergslagen:
            # SPEC §13: the other source teams, each in its förbund, with a few participants
            # each (not at benchmark scale, where the national profile has its own teams).
            others = sources.seed_sources(
                org,
                password=None if shown == "(oförändrat)" else shown,
                participants=0 < participants < national.NATIONAL_FROM,
                seed=seed,
            )
        # Issue #21: the questionnaires, with answers for the enrolments seeded above.
        seed_questionnaires(seed=seed)
        freshness.bump()
        self.stdout.write(self.style.SUCCESS(f"Demoförbundet: {organisation.FORBUND_NAME}"))
        if counts:
            self.stdout.write(
                f"Skapade {counts['participants']} deltagare med {counts['enrolments']} "
                f"inskrivningar, {counts['placement']} placeringar och "
                f"{counts['journalnote']} journalanteckningar."
            )
        elif participants:
            self.stdout.write("Demodeltagarna finns redan; inget lades till.")
        if others:
            self.stdout.write(
                "Fler förbund (SPEC §13): "
                + ", ".join(others["forbund"])
                + (
                    f"; {others['participants']} deltagare i deras team."
                    if others["participants"]
                    else "."
                )
            )
        self.stdout.write("Demoanvändare (användarnamn / lösenord – roll):")
        for user in organisation.DEMO_USERS:
            self.stdout.write(f"  {user.username:<19} / {shown} – {user.description}")
        if others:
            for user in sources.SOURCE_USERS:
                self.stdout.write(f"  {user.username:<19} / {shown} – {user.description}")
