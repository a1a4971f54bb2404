"""Referral intake and states, En väg in triage, consultations, consent, and who may see a
participant (enrolled in or referred to the user's teams). May import rehab and common.
"""
