"""Rules as code over the built graph: what applies, targets, plans, trace and impact; each returns data."""
