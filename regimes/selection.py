"""Model choice: how many regimes, which covariance form, in and out of sample.

:func:`compare` fits every combination of a number of regimes and a covariance type
and tabulates in-sample criteria (log-likelihood, AIC, BIC) next to an out-of-sample
score: the average one-step-ahead predictive log-likelihood of the last part of the
data under a model fitted on the first part only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from . import results
from ._contract import (
    Checked,
    InstanceOf,
    Integers,
    Integral,
    Interval,
    Names,
    NJobs,
    Real,
    validate_params,
)
from ._dates import stamp_text
from ._fitting import check_fit_data
from ._parallel import parallel_map
from ._validation import (
    COVARIANCE_TYPES,
    MAX_REGIMES,
    Returns,
    check_observed,
    check_returns,
    check_training_values,
    warn_frequency,
)
from ._warn import warn_user
from .exceptions import (
    Advice,
    DataWarning,
    InvalidParameterError,
    InvalidReturnsError,
    RegimeFitError,
    message_parts,
)
from .models import RegimeModel, convergence_reported_by_caller

__all__ = ["compare"]


@validate_params(
    {
        "returns": [Checked("check_returns")],
        "n_regimes": [Integers(1, MAX_REGIMES, what="number of regimes")],
        "covariance_types": [
            Names(what="covariance type", options=COVARIANCE_TYPES, ordered=False)
        ],
        "model": [None, InstanceOf(RegimeModel)],
        "test_size": [
            Interval(Real, 0, 1, closed="neither", unit="(a fraction of the days)"),
            Interval(Integral, 1, None, unit="(days)"),
        ],
        "n_jobs": [NJobs()],
    }
)
def compare(
    returns: Any,
    n_regimes: Sequence[int] = (2, 3, 4, 5),
    covariance_types: Sequence[str] = ("full", "diag"),
    *,
    model: RegimeModel | None = None,
    test_size: float | int = 0.2,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Fit every (n_regimes, covariance_type) and compare them in and out of sample.

    Parameters
    ----------
    returns : DataFrame, Series or array-like of shape (n_samples, n_features)
        Daily returns, as for :meth:`RegimeModel.fit`.
    n_regimes : int or sequence of int, default=(2, 3, 4, 5)
    covariance_types : str or sequence of str, default=("full", "diag")
        One covariance type (a string is one type) or several.
    model : RegimeModel, optional
        Template for the other settings (``n_init``, ``random_state``,
        ``min_duration``, ...); cloned, with ``n_regimes`` and ``covariance_type``
        set for each row. Default ``RegimeModel(random_state=0)``.
    test_size : float or int, default=0.2
        The last part of the data held out for the out-of-sample score: a fraction
        of the days, or a number of days.
    n_jobs : int, optional
        Worker processes (joblib); one job fits one row's two models.

    Returns
    -------
    DataFrame
        Indexed by (``n_regimes``, ``covariance_type``), with columns

        - ``log_likelihood``, ``n_parameters``, ``aic``, ``bic``: of the model
          fitted on all the data (lower AIC and BIC are better);
        - ``test_score``: the average over the held-out days t of
          ``log p(r_t | r_1, ..., r_{t-1})``, the one-step-ahead predictive
          log-likelihood under the model fitted on the days before the held-out
          part (filtered through all earlier days, parameters not updated);
          higher is better;
        - ``converged`` (the full-data fit), ``test_converged`` (the fit on the
          training part, behind ``test_score``) and ``error`` (why a row has no
          numbers, e.g. every restart degenerated);
        - ``best_aic``, ``best_bic``, ``best_test``: True on the best row by each.

        ``attrs`` holds ``n_train``, ``n_test`` and ``test_start``.

    Raises
    ------
    InvalidParameterError
        Before any fit, if ``model``'s settings are invalid for one of the rows
        (e.g. ``regime_names`` of another length than a row's ``n_regimes``).
    RegimeFitError
        If every row failed; its ``table`` attribute holds the table with the
        ``error`` column.

    Notes
    -----
    The in-sample criteria and the out-of-sample score can disagree: BIC
    penalises parameters by ``log T`` each, the test score only by how much
    their estimation noise costs on new days. The test score is one split, at
    one date, so a handful of crisis days in the held-out part weigh heavily.

    Examples
    --------
    >>> from regimes.data import load_sample
    >>> returns = load_sample().iloc[-1500:, :2]
    >>> table = compare(returns, n_regimes=(1, 2), covariance_types=("diag",),
    ...                 model=RegimeModel(n_init=2, random_state=0))
    >>> table.index.tolist()
    [(1, 'diag'), (2, 'diag')]
    >>> bool(table.loc[(2, "diag"), "best_bic"])
    True
    """
    template = model if model is not None else RegimeModel(random_state=0)
    counts, kinds = list(n_regimes), list(covariance_types)
    missing = template._check_params().missing  # NaN with missing="marginalize"
    data = check_returns(returns, for_fit=True, missing=missing)
    warn_frequency(data.frequency)  # once: the rows' fits judge no frame
    frame = data.to_frame()
    n_test = _test_days(test_size, len(frame))
    n_train = len(frame) - n_test
    for k in counts:  # a caller's mistake is raised before any fit, not tabulated
        for kind in kinds:
            _check_row_params(template, k, kind)
    _check_training_part(template, frame, n_train, counts, kinds)
    jobs = [(template, frame, k, kind, n_train) for k in counts for kind in kinds]
    rows = parallel_map(_fit_row, jobs, n_jobs)
    # each full fit's note of a column a regime did not see, said once below
    unseen = [row.pop("unseen") for row in rows]
    table = pd.DataFrame(
        rows,
        index=pd.MultiIndex.from_tuples(
            [(k, kind) for k in counts for kind in kinds],
            names=["n_regimes", "covariance_type"],
        ),
    )
    for column, best, marker in (
        ("aic", "idxmin", "best_aic"),
        ("bic", "idxmin", "best_bic"),
        ("test_score", "idxmax", "best_test"),
    ):
        flag = pd.Series(False, index=table.index)
        if table[column].notna().any():
            flag[getattr(table[column], best)()] = True
        table[marker] = flag
    table["n_parameters"] = table["n_parameters"].astype("Int64")
    fitted = table["error"] == ""
    stalled = table.index[fitted & ~(table["converged"] & table["test_converged"])]
    if len(stalled):
        warn_user(
            f"fits for {[_row(i) for i in stalled]} (n_regimes, covariance_type) "
            "did not converge within n_iter (see the converged and test_converged "
            "columns); pass model=RegimeModel(n_iter=...) with more iterations.",
            ConvergenceWarning,
        )
    said = [
        (i, note)
        for i, note in zip(table.index, unseen, strict=True)
        if note is not None
    ]
    if said:
        warn_user(
            f"fits for {[_row(i) for i, _ in said]} (n_regimes, covariance_type): "
            f"returns: {' '.join(said[0][1])}",
            DataWarning,
        )
    table.attrs.update(n_train=n_train, n_test=n_test, test_start=frame.index[n_train])
    if not fitted.any():
        error = RegimeFitError(
            f"every fit failed, e.g. {_row(table.index[0])} (n_regimes, "
            "covariance_type): "
            f"{table['error'].iloc[0]}; the table is in this error's .table "
            "attribute.",
            restarts=table,
        )
        error.table = table  # type: ignore[attr-defined]
        raise error
    return table


def _check_training_part(
    template: RegimeModel,
    frame: pd.DataFrame,
    n_train: int,
    counts: list[int],
    kinds: list[str],
) -> None:
    """The fit's refusals on the days before the test period, before any fit.

    Each row also fits the training part alone (for its test score), and a rule
    the whole data pass can fail there: a column observed only near the end (a
    fund launched late, or zero-filled before its launch: constant on the part),
    fewer days than a row's free parameters. The error then names the split and
    test_size, not the returns given. Only the refusals run again (the whole
    data's warnings were given once).
    """
    whole = Returns(frame.to_numpy(), frame.index, [str(c) for c in frame.columns])
    part = Returns(
        frame.to_numpy()[:n_train],
        frame.index[:n_train],
        [str(c) for c in frame.columns],
    )
    try:
        settings = template._check_params()
        if settings.missing == "marginalize":
            check_observed(
                part.values,
                part.columns,
                True,
                n_regimes=max(counts, default=1),
                index=part.index,
            )
        check_training_values(part.values, part.columns, part.index)
        for k in counts:
            for kind in kinds:
                settings = (
                    clone(template)
                    .set_params(n_regimes=k, covariance_type=kind)
                    ._check_params()
                )
                if _passes(whole, settings):  # else the row fails, tabulated
                    check_fit_data(part, settings, None)
    except InvalidParameterError as exc:
        # the data's refusals, and min_duration's (hostile 62, 2: "longer than
        # the 603 days of training data" did not say they were the days before
        # the test period)
        last = part.index[-1]
        last = stamp_text(last) if isinstance(last, pd.Timestamp) else f"row {last}"
        # min_duration's own advice already names a shorter one (hostile 65)
        also = (
            " Or pass a smaller test_size, which leaves more days before it."
            if exc.param == "min_duration"
            else " Pass a smaller test_size, or leave those columns out."
        )
        raise InvalidParameterError(
            "test_size",
            Advice(
                "compare fits each row also on the days before its test period "
                f"(the first {n_train} of {len(frame)} days, up to {last}), and "
                "there: ",
                *message_parts(exc),
                also,
            ),
        ) from exc


def _row(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row's (n_regimes, covariance_type) as a user writes it: (1, 'diag')."""
    return tuple(v.item() if isinstance(v, np.generic) else v for v in key)


def _passes(data: Returns, settings: Any) -> bool:
    """Whether a fit with ``settings`` takes ``data`` (its settings' data rules)."""
    try:
        check_fit_data(data, settings, None)
    except InvalidReturnsError:
        return False
    return True


def _check_row_params(template: RegimeModel, n_regimes: int, kind: str) -> None:
    """The model's own parameter check for one row, the row named in the message."""
    try:
        clone(template).set_params(
            n_regimes=n_regimes, covariance_type=kind
        )._check_params()
    except InvalidParameterError as exc:
        raise InvalidParameterError(
            exc.param,
            f"model with n_regimes={n_regimes}, covariance_type={kind!r}: {exc} "
            "(compare sets n_regimes and covariance_type on a clone of model for "
            "each row; leave the other settings valid for all of them, e.g. "
            "regime_names=None).",
        ) from exc


def _test_days(test_size: float | int, n_days: int) -> int:
    """Number of held-out days from a fraction or a count (types checked already)."""
    if isinstance(test_size, int):
        n_test = test_size
    else:
        n_test = int(round(test_size * n_days))
    if not 1 <= n_test <= n_days - 2:
        raise InvalidParameterError(
            "test_size",
            f"test_size={test_size!r} leaves {n_test} test days of {n_days}; it "
            "must leave at least 1 test day and 2 training days.",
        )
    return n_test


def _fit_row(
    template: RegimeModel,
    frame: pd.DataFrame,
    n_regimes: int,
    covariance_type: str,
    n_train: int,
) -> dict[str, Any]:
    """One row of :func:`compare`: a full-data fit and a training-part fit."""
    row: dict[str, Any] = dict.fromkeys(
        ["log_likelihood", "n_parameters", "aic", "bic", "test_score"], np.nan
    )
    row.update(converged=False, test_converged=False, error="", unseen=None)
    try:
        full = clone(template).set_params(
            n_regimes=n_regimes, covariance_type=covariance_type
        )
        train = clone(full)
        # compare checked the frame and said its warnings once: the fits and
        # scores below judge it again only where it matters to each (the
        # training part's refusals), as a walk-forward's refits do (hostile
        # 81, 9: a day far out was said five times, with other figures)
        with convergence_reported_by_caller(full, train):  # compare warns once
            full._fit_returns(frame, window=True)
            train._fit_returns(frame.iloc[:n_train], window=True)
    except (RegimeFitError, ValueError) as exc:
        row["error"] = f"{type(exc).__name__}: {exc}"
        return row
    whole = Returns(
        frame.to_numpy(dtype=float), frame.index, [str(c) for c in frame.columns], None
    )
    part = whole._replace(values=whole.values[:n_train], index=frame.index[:n_train])
    n_params = full.n_parameters()
    n_test = len(frame) - n_train
    aic, bic = results.information_criteria(full.log_likelihood_, n_params, len(frame))
    row.update(
        log_likelihood=full.log_likelihood_,
        n_parameters=n_params,
        aic=aic,
        bic=bic,
        # log p(test | train) = log p(all) - log p(train): the chain rule of the
        # one-step-ahead predictive densities over the held-out days
        # both from the fit's start: the chain rule needs one start, and the
        # hindsight default would take the stationary one for undated rows of
        # another length than the training part's
        test_score=(
            train._log_likelihood(whole, train.fitted_state_.startprob)
            - train._log_likelihood(part, train.fitted_state_.startprob)
        )
        / n_test,
        converged=full.converged_,
        test_converged=train.converged_,
        unseen=full._unseen_note,  # convergence_reported_by_caller left it
    )
    return row
