"""Stage 1, collect: run the scanners (or read reports) and what they covered."""
