"""The board report (SPEC §9, §12): its tables, the disclosure-controlled view, files, pages.
May import common, rehab, modules, reporting.models/disclosure/scopes and reporting.budget."""
