"""The seeded generator of the synthetic demo study (``qualflow simulate``); not the pipeline.

It writes what a research team really has after an interview study into ``<study>/data``: the
screening log, participant and interview tables, raw transcripts in several formats, the
redaction list, the codebook, two coders' independent codings and the reconciliation
decisions. Nothing in the pipeline imports it; the committed demo ``data/`` is fixed input.

Modules: :mod:`~qualflow.demo.study` (``simulate_study``: the study on disk),
:mod:`~qualflow.demo.tables` (participants, screening, interviews),
:mod:`~qualflow.demo.world` (staff, places, names), :mod:`~qualflow.demo.plan` (what each
interview says, in memory), :mod:`~qualflow.demo.dialogue` (the interview writer),
:mod:`~qualflow.demo.grammar` and :mod:`~qualflow.demo.banks` (templates and the phrase-bank
data files in ``phrases/``), :mod:`~qualflow.demo.codes` (the demo codebook),
:mod:`~qualflow.demo.render` (raw transcript formats), :mod:`~qualflow.demo.coders` (two
coders observing the truth with error).
"""
