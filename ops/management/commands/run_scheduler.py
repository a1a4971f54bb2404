"""`manage.py run_scheduler [--once]`: starts the periodic work when it is due (ops.schedule).
Safe to run on every server: each run starts once."""

import signal
import socket
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.crypto import get_random_string

from ops.schedule import SCHEDULE, tick


class Command(BaseCommand):
    help = (
        "Lägger schemalagda jobb (gallring, städning, påminnelser) i kön när de ska köras. "
        "Kan köras på flera servrar samtidigt: varje körning startas en gång."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="En kontroll, sedan slut.")
        parser.add_argument(
            "--interval", type=float, default=30, help="Sekunder mellan kontrollerna."
        )

    def handle(self, *args, once=False, interval=30, **options):
        scheduler_id = f"{socket.gethostname()}-{get_random_string(8)}"
        self.running = True
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        if not once:
            for entry in SCHEDULE:
                self.stdout.write(f"Schemalagt: {entry.label}")
        while self.running:
            for name in tick(scheduler_id=scheduler_id):
                self.stdout.write(f"Startade {name}")
            if once:
                return
            # In short steps: a signal ends the wait (time.sleep resumes after a handler).
            waited = 0.0
            while self.running and waited < interval:
                time.sleep(min(1.0, interval - waited))
                waited += 1.0
            # As a request would: a connection the database has dropped is opened anew.
            close_old_connections()

    def _stop(self, signum, frame):
        self.running = False
