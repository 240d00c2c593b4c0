"""Import of coders' codings (rules ``coding_sheet``, ``import_codings``).

Importing one coder's codings into unit-level rows, and the coding sheet for coders.

Coders work in different tools; this stage turns what each one hands in into the same table,
one row per (unit, code) the coder applied (``results/codings/{coder}.csv``):

* a **long CSV** with either a ``unit_id`` per row or character spans ``start``/``end`` into the
  cleaned transcript (end exclusive), as QDA software exports them;
* a filled **coding sheet** (``.xlsx``) as :func:`write_coding_sheet` makes it, for teams that
  code in a spreadsheet;
* a **REFI-QDA project** (``.qdpx`` / ``.qde``) from NVivo, ATLAS.ti, MAXQDA or QualCoder, read by
  :mod:`qualflow.qdpx`.

A span codes every turn (unit) it overlaps by at least ``min_overlap`` characters, or that it
covers completely. Everything is checked against the codebook and ``units.csv``; bad input stops
with the file, row and problem. Doubtful but harmless things (repeated rows, spans that touch no
turn) are counted in the status table, never dropped silently.
"""
