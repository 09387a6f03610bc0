"""Stage 2, parse: reports and SARIF logs read into findings, with typed value readers."""
