"""REFI-QDA exchange (rules ``export_qdpx``, ``export_qdpx_coder``; import via qualflow.codings).

Exchange with QDA software through REFI-QDA projects (``.qdpx`` / ``.qde``).

Coders code in NVivo, ATLAS.ti, MAXQDA or QualCoder, which all exchange whole projects in the
REFI-QDA 1.0 format (QDA-XML, namespace ``urn:QDA-XML:project:1.0``; Rotterdam Exchange Format
Initiative 2019, "REFI-QDA Project", ed. F. van Blommestein). A ``.qdpx`` is a zip holding
``project.qde`` (the XML) and the plain-text sources ``sources/{guid}.txt``, referenced as
``plainTextPath="internal://{guid}.txt"``.

* :func:`export_study` writes the cleaned, de-identified transcripts, the codebook (category →
  subtheme → code, definitions in ``Description``), one ``User`` per coder, and the participants
  as ``Cases`` with ``Variables``. Every GUID is a uuid5 of a fixed namespace and the object's
  name, so re-exports are byte-identical and codes come back matched by GUID.
* :func:`read_spans` reads a coded project back into character spans (``coder, transcript_id,
  code, start, end, memo``; end exclusive) over the cleaned texts, checking every selection's
  text against the cleaned text so that an edited source is reported, never silently mis-mapped.
* :func:`read_project` exposes the parsed project (users, code tree, sources, selections).
* :func:`coder_files` / :func:`qda_user_map` read a coder's entry under ``coders:`` (a file,
  ``{file, qda_user}``, or a list of them) and the QDA user each coder is matched by.

Offsets are counted in characters of the source's plain text. Tools disagree on details (as
QualCoder's importer notes): whether ``endPosition`` is inclusive, whether a Windows line
end (CRLF) counts as one character or two, and (for .NET/Qt tools) whether a character outside
the Basic Multilingual Plane counts as two UTF-16 units. :func:`read_spans` detects these from
the evidence in the project (each selection's ``name``, which tools fill with the selected
text, and word boundaries) unless the end convention is forced.

Lenient where tools differ, strict where data differs: a source's text may come from
``PlainTextContent``, a ``plainTextPath`` with or without ``internal://``, or (when the plain
text is blank, as NVivo for Mac writes it) the ``.docx`` of ``richTextPath``; codes nobody
applied are ignored and listed; a whole-source coding is refused (it names no turn). Projects
are untrusted input: sources and notes are read only from inside the archive, entries are read
under size and expansion-ratio caps, and DTDs (hence entities, XXE) are refused.
"""
