"""Case work across apps: the cascades (enrol from a referral, exit, registered in error) and
the pages showing one case across apps. May import rehab, referrals, modules, common.
"""
