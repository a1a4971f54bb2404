"""The access log (models, recorder, gate, log filter: below rehab, which records into it) and,
above the domain, the log review, purge and subject-access export, which read every app.
"""
