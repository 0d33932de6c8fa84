"""Our exceptions cross process boundaries intact (joblib's workers pickle them)."""

import pickle

import joblib
import pytest

from regimes.exceptions import DataFileError, InvalidParameterError, InvalidReturnsError


@pytest.mark.parametrize(
    "cls", [InvalidParameterError, InvalidReturnsError, DataFileError]
)
def test_errors_pickle_with_their_parameter(cls):
    error = cls("n_init", "n_init must be an int >= 1; got 0.", fix="pass 1")
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is cls
    assert (back.param, str(back), back.fix) == (error.param, str(error), "pass 1")


def _refuse(value):
    raise InvalidParameterError("value", f"value must be positive, got {value}.")


def test_an_error_raised_in_a_worker_process_keeps_its_parameter():
    with pytest.raises(InvalidParameterError, match="must be positive") as caught:
        joblib.Parallel(n_jobs=2, backend="loky")(
            joblib.delayed(_refuse)(v) for v in (-1, -2)
        )
    assert caught.value.param == "value"
