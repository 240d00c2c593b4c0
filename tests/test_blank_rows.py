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
