from django.conf import settings
from django.db import models


class Job(models.Model):
    """One piece of long work a user asked for. The result file is kept in the database, not
    under MEDIA: only the owner may download it (jobs.views), and it is deleted after the
    download or at `expires_at` (jobs.services.jobs_delete_expired)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "I kö"
        RUNNING = "running", "Pågår"
        DONE = "done", "Klar"
        FAILED = "failed", "Misslyckades"

    kind = models.CharField(max_length=40)
    label = models.CharField(max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    params = models.JSONField(default=dict)
    back_url = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    message = models.TextField(blank=True)
    result = models.BinaryField(null=True, editable=False)
    result_name = models.CharField(max_length=200, blank=True)
    result_type = models.CharField(max_length=100, blank=True)
    downloaded = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [
            # jobs_delete_expired: the rows past their time.
            models.Index(fields=["expires_at"], name="job_expires_idx"),
        ]

    def __str__(self):
        return f"{self.label} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def has_file(self) -> bool:
        return self.status == self.Status.DONE and self.result is not None
