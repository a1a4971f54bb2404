"""Budget follow-up (SPEC §10): the rules and reads, the writes, the actual-cost import, pages.
May import common, rehab and reporting.models/disclosure/scopes/spreadsheet/uploads, not board."""
