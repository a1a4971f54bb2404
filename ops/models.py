from django.db import models


class ScheduledRun(models.Model):
    """One run of a scheduled job in one period (a day, an hour). The unique constraint is the
    lock across servers: every scheduler tries to insert the period's row, one succeeds and
    enqueues the work, the others find it taken (ops.schedule.tick). It works on SQLite and
    PostgreSQL alike, and holds no lock while the work runs."""

    name = models.CharField(max_length=40)
    slot = models.CharField(max_length=20)
    claimed_at = models.DateTimeField(auto_now_add=True)
    claimed_by = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "slot"], name="scheduled_run_once_per_slot")
        ]
        indexes = [
            # Clean-up of old rows (ops.tasks.hourly_cleanup).
            models.Index(fields=["claimed_at"], name="scheduled_run_claimed_idx"),
        ]

    def __str__(self):
        return f"{self.name} {self.slot}"
