"""secscan's SARIF dialect: what secscan writes into SARIF 2.1.0 and reads back.

The SARIF log is secscan's stored state — tomorrow's ``--baseline``, ``secscan
gate``, ``secscan report`` and ``secscan upload`` all read it — so its vocabulary
lives here, once, for the writer (:mod:`secscan.emit.sarif_writer`) and every reader:

- :mod:`~secscan.sarif.keys` every ``secscan/…`` property key;
- :mod:`~secscan.sarif.fingerprint` the fingerprint keys and the one lookup;
- :mod:`~secscan.sarif.times` the one time format and parser;
- :mod:`~secscan.sarif.levels` severity → ``level`` and ``security-severity``;
- :mod:`~secscan.sarif.limits` GitHub's documented limits;
- :mod:`~secscan.sarif.buckets` GitHub category names and the one run splitter;
- :mod:`~secscan.sarif.status` :class:`RunStatus` / :class:`RunState` of a scanner;
- :mod:`~secscan.sarif.codec` ``encode``/``decode`` of one finding;
- :mod:`~secscan.sarif.run` ``encode``/``decode`` of a run's secscan properties;
- :mod:`~secscan.sarif.om` the log ⇄ Microsoft's ``sarif-om`` object model.

Importing this package loads none of them (``import secscan`` stays light); import
the module you need.  docs/design.md, "secscan's SARIF dialect", lists every key, what
it means and which stage reads it.
"""
