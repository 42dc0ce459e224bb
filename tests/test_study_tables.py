"""Behaviour of the study layer held fixed: the reduced calibration, exploration and policy search of
tests/study_tables.py write exactly the tables the reference in tests/data/studies/ holds, made by the
code before the studies shared one layer (main at fd5334f, model version 5; `python
tests/study_tables.py --write` makes it again after a change meant to change results)."""

import pandas as pd
import pytest
from study_tables import reference, run_studies, tables


@pytest.mark.slow
def test_every_table_the_studies_write_is_the_reference(tmp_path):
    run_studies(tmp_path)
    found, expected = tables(tmp_path), reference()
    assert sorted(found) == sorted(expected)
    for name, table in expected.items():
        pd.testing.assert_frame_equal(found[name], table, check_exact=True, obj=name)
