"""The subject-access PDF, made by the job in the worker (`run_subject_access_pdf`, registered
in privacy.apps) that the subject-access page orders (privacy.views.subject_access_pdf_job)."""

from django.template.loader import render_to_string
from django.utils import timezone

from jobs.registry import JobFailed, JobFile
from privacy import selectors

SUBJECT_ACCESS_PDF_JOB = "subject_access_pdf"


def subject_access_pdf_bytes(data: dict) -> bytes:
    from weasyprint import CSS, HTML  # slow to import: only where a PDF is made

    html = render_to_string("privacy/subject_access_pdf.html", {"data": data})
    css = render_to_string("privacy/subject_access_pdf.css")
    return HTML(string=html).write_pdf(stylesheets=[CSS(string=css)], pdf_variant="pdf/ua-1")


def subject_access_filename(participant_id: int, extension: str) -> str:
    return f"registerutdrag_{participant_id}_{timezone.localdate().isoformat()}.{extension}"


def run_subject_access_pdf(job, progress) -> JobFile:
    """The job: the export for the unit manager who ordered it (the order was logged as an
    export), checked again against the access they have when it runs."""
    progress.step(0, 2)
    participant = selectors.participant_for_admin(job.user, job.params.get("participant"))
    if participant is None:
        raise JobFailed(
            "Registerutdraget kunde inte tas fram: du är inte längre enhetschef för något team "
            "där personen finns, eller personen är borttagen. Inget utdrag skapades."
        )
    data = selectors.subject_access(participant, by=job.user)
    progress.step(1, 2)
    content = subject_access_pdf_bytes(data)
    progress.step(2, 2)
    return JobFile(content, subject_access_filename(participant.pk, "pdf"), "application/pdf")
