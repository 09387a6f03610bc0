"""Stage 3, normalize: safe paths, no secrets, fingerprints, one order, coverage findings."""
