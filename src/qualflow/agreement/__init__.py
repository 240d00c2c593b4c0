"""Inter-coder agreement (rules ``agreement``, ``reconciliation_report``).

Intercoder agreement between two coders: per code, pooled, with cluster-bootstrap intervals.

For every code, each unit of analysis gives one 2×2 observation: did coder A apply the code
(yes/no) × did coder B. Over n units the four cells are counted in this order::

    both (a)    a_only (b)    b_only (c)    neither (d)        n = a + b + c + d

Every statistic below is a vectorised function of such counts held in an array whose last axis
has these four cells, so one call covers all codes — and all bootstrap replicates — at once:
``(C, 4)`` for C codes, ``(R, C, 4)`` for R replicates.

Units of analysis are the turns of the chosen ``speakers`` (participants by default) in the
transcripts both coders coded, or — at the transcript level — the transcripts themselves (did each
coder apply the code anywhere in the transcript's in-scope turns). Confidence intervals come from
a cluster bootstrap that resamples whole transcripts, because turns of one interview are not
independent (Field & Welsh 2007; Davison & Hinkley 1997, §3.8): a replicate is a with-replacement
draw of transcripts, i.e. a weight vector over them, so all replicates' counts are one matrix
product ``W (R×T) @ counts (T×C·4)``.

The summary reports, overall and per subtheme, category and wave, pooled kappa (de Vries et al.
2008), the mean and median of the defined per-code kappas, and the kappa of all code × unit
decisions stacked in one table. Overall, subtheme and category intervals share the per-code
draws; a wave's interval resamples that wave's own transcripts (its size is fixed by design).
Percentile intervals leave out replicates in which a statistic is undefined and say how many.

Undefined statistics are NaN and the reason is written in ``note`` — never a crash, never a silent
1.0: for a code nobody used (or everybody used everywhere) kappa is 0/0, and percent agreement,
PABAK, AC1, ppos and pneg, which would read as perfect, are left NaN too. When only one coder is
constant, p_o = p_e and kappa is 0 (with SE 0), as statsmodels and sklearn give, with a note.
"""
