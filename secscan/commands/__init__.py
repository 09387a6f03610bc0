"""The library call behind each CLI command (the CLI only parses arguments and prints)."""
