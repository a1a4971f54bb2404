"""The dashboards (SPEC §9–§11): every figure computed, laid out as charts and CSV, and pages.
May import common, rehab, modules, referrals, reporting.models/disclosure/scopes, board, budget."""
