"""Reporting: the board report, budget follow-up, dashboards and the enrolment import (packages).
May import common, rehab, referrals, modules and privacy.models/recorder; not demo or config."""
