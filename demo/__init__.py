"""Demo data: the `seed_demo` command and the synthetic organisation, cases, national profile
and budget it seeds. It may import every app; production code never imports it."""
