"""scikit-learn's estimator checks, the ones that apply to a regime model."""

from __future__ import annotations

import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from regimes import RegimeModel
from regimes.exceptions import LikelyPricesWarning

ORDER = (
    "an HMM's regimes depend on the order and the neighbours of the days: "
    "predictions for shuffled or partial data differ by design"
)
NAMES = "predict returns regime names (strings), which this check subtracts"


def expected_failures(estimator):
    return {
        "check_methods_sample_order_invariance": ORDER,
        "check_methods_subset_invariance": ORDER,
        "check_estimators_pickle": NAMES + " (save/load: tests/test_persist.py)",
        "check_fit_idempotent": NAMES,
        "check_estimators_nan_inf": (
            "its 10-row data set is refused for having fewer rows than free "
            "parameters before NaN is looked at (NaN: tests/test_validation.py)"
        ),
    }


# A spherical two-regime model has few enough parameters for sklearn's small
# toy data sets (20 rows).
@parametrize_with_checks(
    [RegimeModel(2, covariance_type="spherical", n_init=2, random_state=0)],
    expected_failed_checks=expected_failures,
)
def test_sklearn_compatible_estimator(estimator, check):
    with warnings.catch_warnings():
        # sklearn's toy data: 20 random rows rarely converge in 100 iterations,
        # and some are positive numbers around 100, which we flag as prices
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", LikelyPricesWarning)
        check(estimator)
