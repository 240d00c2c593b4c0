"""Blank lines in a CSV do not shift the row numbers that error messages give."""

from __future__ import annotations

import pytest

from qualflow.agreement.run import AGREEMENT_OUTPUTS, run_agreement
from qualflow.errors import InputError
from qualflow.io import read_table
from qualflow.study import read_participants

UNITS = (
    "unit_id,transcript_id,participant_id,wave,turn,speaker,start,end,text,n_words\n"
    "50001_1:1,50001_1,50001,1,1,participant,13,18,Hello,1\n"
)
CODEBOOK = """categories:
  - name: barriers
    subthemes:
      - name: unclear_role
        codes:
          - name: role_confusion
"""


def test_read_table_keeps_file_rows(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n\n3,4\n , \n5,6\n")
    frame = read_table(path, ["a", "b"])
    assert list(frame["a"]) == ["1", "3", "5"]
    assert list(frame.index + 2) == [2, 4, 6]


def test_participant_error_after_a_blank_line_names_the_file_row(tmp_path):
    path = tmp_path / "participants.csv"
    path.write_text(
        "participant_id,gender,age,ethnicity,diagnosis,department\n"
        "50001,female,30,Chinese,depression,A\n"
        "\n"
        "50002,male,thirty,Malay,addiction,B\n"
    )
    with pytest.raises(InputError, match=r"row 4: age must be a whole number"):
        read_participants(path)


def test_agreement_codings_error_after_a_blank_line_names_the_file_row(tmp_path):
    (tmp_path / "units.csv").write_text(UNITS)
    (tmp_path / "codebook.yaml").write_text(CODEBOOK)
    good = "coder,unit_id,transcript_id,code,memo\ncoder_a,50001_1:1,50001_1,role_confusion,\n"
    (tmp_path / "a.csv").write_text(good)
    (tmp_path / "b.csv").write_text(
        good.replace("coder_a", "coder_b") + "\n\n" + "coder_b,50001_1:1,50001_1,no_such_code,\n"
    )
    with pytest.raises(InputError, match=r"b\.csv, row 5: code 'no_such_code'"):
        run_agreement(
            tmp_path / "a.csv",
            tmp_path / "b.csv",
            tmp_path / "units.csv",
            tmp_path / "codebook.yaml",
            {key: tmp_path / f"{key}.csv" for key in AGREEMENT_OUTPUTS},
            ["participant"],
            0,
            1,
            0.95,
        )
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


INTERVIEWS = (
    "participant_id,wave,date,duration_min,recorded,transcript_file\n"
    "50001,1,2019-03-01,45,yes,50001_1.txt\n"
)
CONSENSUS_HEADER = (
    "unit_id,transcript_id,participant_id,wave,turn,speaker,code,subtheme,category,source\n"
)
CONSENSUS_ROW = "50001_1:1,50001_1,50001,1,1,participant,{code},unclear_role,barriers,agreed\n"


def _study(tmp_path):
    """units, codebook and interviews of a one-turn study, for readers that check against them."""
    from qualflow.codebook.read import load_codebook
    from qualflow.contracts import read_units

    (tmp_path / "units.csv").write_text(UNITS)
    (tmp_path / "codebook.yaml").write_text(CODEBOOK)
    (tmp_path / "interviews.csv").write_text(INTERVIEWS)
    return (
        read_units(tmp_path / "units.csv"),
        load_codebook(tmp_path / "codebook.yaml"),
        tmp_path / "interviews.csv",
    )


def _read_consensus(path, tmp_path):
    from qualflow.study import read_interviews
    from qualflow.themes.run import read_consensus

    units, codebook, interviews = _study(tmp_path)
    return read_consensus(path, codebook, units, read_interviews(interviews))


def _read_pins(path, tmp_path):
    from qualflow.themes.exemplars import read_pins

    units, codebook, _ = _study(tmp_path)
    return read_pins(path, units, codebook)


def _read_resolutions(path, tmp_path):
    from qualflow.reconcile.resolutions import read_resolutions

    units, codebook, _ = _study(tmp_path)
    return read_resolutions(path, units, codebook)


def _plain(reader):
    return lambda path, tmp_path: reader(path)


def _readers():
    from qualflow.clean.deid import load_redaction_list
    from qualflow.codings.textlock import read_lock
    from qualflow.contracts import read_units
    from qualflow.study import read_interviews, read_screening

    unit_row = UNITS.splitlines()[1]
    return {
        # reader: (header + a good row, a bad row, what the message says)
        "participants": (
            _plain(read_participants),
            "participant_id,gender,age,ethnicity,diagnosis,department\n50001,female,40,a,b,c\n",
            "50002,male,forty,a,b,c\n",
            "age must be a whole number",
        ),
        "interviews": (
            _plain(read_interviews),
            INTERVIEWS,
            "50001,x,2019-03-01,45,yes,50001_2.txt\n",
            "wave",
        ),
        "screening": (
            _plain(read_screening),
            "staff_id,status,reason,participant_id\nS01,interviewed,,50001\n",
            "S02,maybe,,\n",
            "status",
        ),
        "redaction": (
            _plain(load_redaction_list),
            "term,kind,entity\nAlice Smith,STAFF,\n",
            "Bob Jones,,\n",
            "empty kind",
        ),
        "units": (
            _plain(read_units),
            UNITS,
            unit_row.replace("50001_1:1", "50001_1:2").replace("participant,", "nobody,") + "\n",
            "speaker must be",
        ),
        "text_lock": (
            _plain(read_lock),
            "transcript_id,turn,speaker,start,end,digest\n50001_1,0,,0,18,0123456789abcdef\n",
            "50001_1,1,participant,x,18,0123456789abcdef\n",
            "",
        ),
        "consensus": (
            _read_consensus,
            CONSENSUS_HEADER + CONSENSUS_ROW.format(code="role_confusion"),
            CONSENSUS_ROW.format(code="no_such_code"),
            "not in the codebook",
        ),
        "pins": (
            _read_pins,
            "unit_id,subtheme\n50001_1:1,unclear_role\n",
            "50001_1:9,unclear_role\n",
            "not in units.csv",
        ),
        "resolutions": (
            _read_resolutions,
            "unit_id,code,decision,rationale,decided_by,date\n"
            "50001_1:1,role_confusion,include,ok,team,2019-05-01\n",
            "50001_1:1,role_confusion,perhaps,hm,team,2019-05-01\n",
            "",
        ),
    }


@pytest.mark.parametrize("name", sorted(_readers()))
def test_every_reader_names_the_file_row_after_a_blank_line(tmp_path, name):
    """Row 4 of the file (header, good row, blank line, bad row), whichever reader finds it."""
    reader, good, bad, problem = _readers()[name]
    path = tmp_path / f"{name}.csv"
    path.write_text(good + "\n" + bad, encoding="utf-8")
    with pytest.raises(InputError) as err:
        reader(path, tmp_path)
    assert err.value.file == str(path)
    assert err.value.row == 4 or err.value.line == 4, str(err.value)
    assert problem in err.value.problem
