"""``python -m secscan`` — the same as the ``secscan`` command."""

from secscan.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
