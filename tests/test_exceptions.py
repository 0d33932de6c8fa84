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


@pytest.mark.slow  # worker processes: seconds to start
def test_an_error_raised_in_a_worker_process_keeps_its_parameter():
    with pytest.raises(InvalidParameterError, match="must be positive") as caught:
        joblib.Parallel(n_jobs=2, backend="loky")(
            joblib.delayed(_refuse)(v) for v in (-1, -2)
        )
    assert caught.value.param == "value"


def test_a_missing_model_file_or_state_is_our_error_and_still_file_not_found(tmp_path):
    from regimes import RegimeModel, daily
    from regimes.exceptions import MissingPathError

    for call, param in [
        (lambda: RegimeModel.load(tmp_path / "none.json"), "path"),
        (lambda: daily.load_state(tmp_path / "no-state"), "folder"),
    ]:
        with pytest.raises(MissingPathError) as caught:
            call()
        assert caught.value.param == param
        assert isinstance(caught.value, FileNotFoundError)
