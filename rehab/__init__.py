"""The core domain: organisation, roles and access, participants, enrolments, action plan,
journal, deviations, exit, group activities, the audit trail and the read-model cache.
May import common and privacy's access log (models, recorder) only; every other app builds on it.
"""
