"""Stage 5, emit: the SARIF log, reports, and the GitHub upload."""
