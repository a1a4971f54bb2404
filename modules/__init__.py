"""Modules, placements, reviews, extensions, approvals, follow-ups, waiting lists, deadlines
and the calendar feed; rules.py holds the pure date rules of SPEC §7. May import rehab, common.
"""
