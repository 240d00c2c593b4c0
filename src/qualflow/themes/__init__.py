"""Theme frequency, primacy, trajectories and exemplars (rule ``themes``).

Themes: frequency by wave, primacy, importance, co-occurrence and exemplar quotes.

The demo study weighed its themes by *frequency* (how many participants raised a theme) and
*primacy* (what people raised first when asked about their challenges), over three interview
waves, following Braun & Clarke's (2006) thematic analysis. This module computes the tables a
team otherwise builds by hand, from the consensus codings (``results/consensus/codings.csv``),
the units (``results/clean/units.csv``), the interviews table and the codebook. The output
columns are fixed in ``docs/files.md`` (section Themes).

Choices made here, stated once:

- A theme is *raised* by a participant in a wave when at least one consensus unit of that
  participant's transcript in that wave carries a code of the theme.
- The denominator of a wave is the number of participants with a *recorded* transcript in that
  wave (for ``all``: with any recorded transcript). A participant who left before wave 3 is not
  counted as not raising a theme at wave 3.
- Primacy is per category: each category has its own interviewer prompt
  (``themes.primacy_prompt``; barriers count from the question about challenges, facilitators
  from the one about what helped), and subthemes are ranked within their category from the
  first interviewer turn matching it, ties as ties (mid-rank). A transcript in which the prompt
  never matches is left out of that category's ranking (it does not count from the start) and
  not counted in ``prompt_found``; a category without a prompt gets no primacy, and its
  importance is its frequency. The matched turn of every transcript is written to
  ``primacy_prompts.csv`` for audit.
"""
