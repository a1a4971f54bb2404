"""`manage.py activation_code <username>`: an activation code for two-factor set-up, for a
new installation's first superuser (nobody can issue one in the web yet) or for anyone when
no unit manager is at hand. The code is printed once; only its hash is stored."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.services import ACTIVATION_CODE_HOURS, activation_code_issue


class Command(BaseCommand):
    help = "Skapar en aktiveringskod för tvåfaktorinloggning åt en användare."

    def add_arguments(self, parser):
        parser.add_argument("username", help="användarnamnet")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"Ingen aktiv användare heter {username!r}.")
        code = activation_code_issue(user=user, by=None)
        self.stdout.write(
            f"Aktiveringskod för {username}: {code} (gäller i {ACTIVATION_CODE_HOURS} timmar, "
            "en gång; visas bara nu)."
        )
