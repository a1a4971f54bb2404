"""Long work as background jobs: a job row per request (its owner, progress, Swedish error, the
private result file), the one task the worker runs, and the status and download pages.

Imports only `common` and Django: the apps that own the work (reporting, privacy) register
their job kinds here (jobs.registry) and enqueue them (jobs.services.job_enqueue)."""
