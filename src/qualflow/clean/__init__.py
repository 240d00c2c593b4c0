"""Cleaning stage (rule ``clean``).

Cleaning: raw transcripts → cleaned, de-identified text split into turns (units).

The stage reads every recorded transcript (.txt in any encoding, .docx, WebVTT, SRT), and
writes to ``results/clean/``:

* ``{transcript_id}.txt`` — one turn a paragraph, ``Interviewer: …`` or ``Participant: …``,
  paragraphs separated by one blank line, LF line ends, NFC;
* ``units.csv`` — one row per turn with the offsets of its utterance in that text
  (``clean[start:end] == text``), the unit of coding and of agreement;
* ``markers.csv`` — timestamps and transcription markers (``[inaudible]``, ``[crosstalk]``, …)
  moved out of the text into metadata, each with the offset where it stood;
* ``cleaning_report.csv`` — what was done to each file (encoding, labels, joins, redactions).

The steps, each a small public function so it can be tested alone:
:func:`read_transcript` (one reader per format, all returning :class:`RawLine` lists) →
:func:`normalise_text` → :func:`parse_turns` (speaker labels, wrapped lines, header) →
:func:`extract_markers` → de-identification (:class:`qualflow.clean.deid.Redactor`) →
:func:`assemble_transcript`. :func:`clean_study` runs them over a whole study in one process
with a pool of workers, numbers pattern redactions study-wide, and publishes all outputs
together or none.
"""
