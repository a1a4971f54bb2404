from django.shortcuts import get_object_or_404

from jobs.models import Job


def job_for_user(user, pk) -> Job:
    """The user's own job; anyone else's (or none) is 404, never a hint that it exists."""
    return get_object_or_404(Job.objects.defer("result"), pk=pk, user=user)


def job_waiting(kind: str) -> bool:
    """Whether a job of `kind` (anyone's) is queued or running."""
    return Job.objects.filter(
        kind=kind, status__in=[Job.Status.QUEUED, Job.Status.RUNNING]
    ).exists()
