"""Two-coder reconciliation (rules ``disagreements``, ``consensus``).

Two-coder reconciliation: the disagreements to discuss, the team's decisions, consensus.

Two coders code independently; agreement is measured; then the team meets and settles every
(unit, code) the coders differ on, and records each decision in ``data/resolutions.csv``
(the consensus approach of team-based qualitative coding, e.g. Hill et al. 1997; MacQueen et al.
1998). This module:

* lists the disagreements, ordered for the meeting, as CSV and a meeting-friendly workbook
  (:func:`find_disagreements`, :func:`run_disagreements`);
* reads and checks the recorded decisions (:func:`read_resolutions`);
* builds the consensus coding: codes both coders applied, disagreements decided ``include``,
  and the one coder's codes in transcripts only one coder coded (:func:`build_consensus`).

Nothing doubtful is dropped silently: decisions that no longer match a disagreement (the
codings changed since the meeting) are *stale*, disagreements without a decision are
*unresolved*; both are counted and listed in ``status.csv`` and logged as warnings.
"""
