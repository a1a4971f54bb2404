"""Case work across apps: the cascades (enrol from a referral, exit, registered in error) and
the pages that show one case across rehab, referrals and modules.

It may import rehab, referrals, modules, privacy's access log and common; only reporting,
demo and config sit above it.
"""
