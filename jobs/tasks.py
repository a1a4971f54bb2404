"""The one task on the queue: run a job by its id (jobs.runner.job_run)."""

from django_tasks import task

from jobs.runner import job_run


@task()
def run_job(job_id: int) -> None:
    job_run(job_id=job_id)
