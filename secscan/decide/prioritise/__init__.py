"""What to fix first: the remediation plan, exploit signals (CISA KEV, FIRST EPSS) and
VEX statements.  One module per job:

- :mod:`.remediation` — dependency findings grouped by package, the smallest upgrade
  that fixes them all, and what each upgrade clears;
- :mod:`.kev`, :mod:`.epss` — read the two data sets in their published formats;
- :mod:`.exploits` — fetch/cache/load them and join them to findings by CVE;
- :mod:`.vex` — OpenVEX / CycloneDX VEX in (as suppressions) and OpenVEX out.

Nothing here is imported by ``import secscan``.
"""
