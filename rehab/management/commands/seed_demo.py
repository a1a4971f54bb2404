import secrets

from django.core.management.base import BaseCommand, CommandError

from rehab import demo, freshness


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
            "--password",
            help="Lösenord för alla demoanvändare (standard: ett slumpat, som skrivs ut).",
        )

    def handle(self, *args, participants, seed, password, **options):
        if participants < 0:
            raise CommandError("--participants måste vara 0 eller större.")
        org = demo.seed_organisation()
        existed = not demo.seed_users(org, None)
        if password is None and existed:
            self.stdout.write(
                "Demoanvändarna finns redan; lösenorden är oförändrade "
                "(ange --password för att sätta ett nytt)."
            )
            shown = "(oförändrat)"
        else:
            shown = password or secrets.token_urlsafe(12)
            demo.seed_users(org, shown)
        counts = demo.seed_cases(org, participants=participants, seed=seed)
        from reporting.demo_budget import seed_budget

        seed_budget(org, seed=seed)  # SPEC §10: Rehabteamet's 2024 budget with actual costs
        freshness.bump()
        self.stdout.write(self.style.SUCCESS(f"Demoförbundet: {demo.FORBUND_NAME}"))
        if counts:
            self.stdout.write(
                f"Skapade {counts['participants']} deltagare med {counts['enrolments']} "
                f"inskrivningar, {counts['placement']} placeringar och "
                f"{counts['journalnote']} journalanteckningar."
            )
        elif participants:
            self.stdout.write("Demodeltagarna finns redan; inget lades till.")
        self.stdout.write("Demoanvändare (användarnamn / lösenord – roll):")
        for user in demo.DEMO_USERS:
            self.stdout.write(f"  {user.username:<12} / {shown} – {user.description}")
