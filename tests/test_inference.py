"""Standard errors, the text report, model choice and forecasts.

The statistical claims are checked against an external reference (statsmodels'
Markov switching regression on the same data) and against the truth (coverage of
the intervals over data sets sampled from a known HMM).
"""

from __future__ import annotations

import re
import warnings
from html import unescape

import numpy as np
import pandas as pd
import pytest
from hmmlearn.hmm import GaussianHMM
from scipy import stats
from sklearn.exceptions import ConvergenceWarning

from regimes import (
    RegimeModel,
    _forecast,
    _information,
    _parameter_tables,
    compare,
    em,
    inference,
)
from regimes.data import load_sample
from regimes.exceptions import InvalidParameterError, InvalidReturnsError
from regimes.labels import match_states

# -------------------------------------------------------------- the likelihood


def _parameters(kind: str, rng: np.random.Generator) -> em.EMParameters:
    k, d = 3, 2
    transmat = np.array([[0.9, 0.07, 0.03], [0.1, 0.85, 0.05], [0.02, 0.08, 0.9]])
    means = rng.normal(size=(k, d))
    if kind == "full":
        covars = (
            np.array([[[1, 0.4 * s], [0.4 * s, 1.5]] for s in (0.5, 1, 2)])
            * (np.array([0.5, 1, 2])[:, None, None])
        )
    elif kind == "tied":
        covars = np.repeat(np.array([[[1.0, 0.3], [0.3, 2.0]]]), k, axis=0)
    elif kind == "diag":
        covars = np.array([np.diag(rng.uniform(0.5, 2, d)) for _ in range(k)])
    else:
        covars = np.array([v * np.eye(d) for v in (0.5, 1, 2)])
    return em.EMParameters(np.array([0.5, 0.3, 0.2]), transmat, means, covars)


@pytest.mark.parametrize("kind", ["full", "diag", "spherical", "tied"])
def test_score_is_the_gradient_of_the_forward_log_likelihood(kind):
    """The analytic score (Fisher's identity) equals central differences of
    regimes.em.forward's log-likelihood, to 1e-6 relative."""
    rng = np.random.default_rng(0)
    params = _parameters(kind, rng)
    X = 1.3 * rng.normal(size=(200, 2))
    spec = _information.make_layout(params, kind, np.full((3, 3), 10.0))
    theta = _information.pack(params, spec)
    back = _information.unpack(theta, spec, 2)
    np.testing.assert_allclose(back.transmat, params.transmat, rtol=1e-12)
    np.testing.assert_allclose(back.covars, params.covars, rtol=1e-12)

    def log_likelihood(t):
        p = _information.unpack(t, spec, 2)
        log_b = em.log_emission_densities(X, p.means, p.covars)
        return em.forward(p.startprob, p.transmat, log_b)[1]

    log_prob, score = _information.log_likelihood_and_score(X, theta[None], spec)
    assert log_prob[0] == pytest.approx(log_likelihood(theta), abs=1e-9)
    h = 1e-6
    numeric = [
        (log_likelihood(theta + h * e) - log_likelihood(theta - h * e)) / (2 * h)
        for e in np.eye(len(theta))
    ]
    np.testing.assert_allclose(score[0], numeric, atol=1e-6 * np.abs(numeric).max())


# --------------------------------------------------- statsmodels as a reference


@pytest.fixture(scope="module")
def sp500() -> pd.DataFrame:
    return load_sample("index")  # column "SP500", decimal daily log returns


@pytest.fixture(scope="module")
def sp500_model(sp500) -> RegimeModel:
    return RegimeModel(2, n_init=3, tol=1e-7, n_iter=1000, random_state=0).fit(sp500)


@pytest.mark.slow  # a statsmodels fit and Hessian: seconds, in the full suite
def test_standard_errors_agree_with_statsmodels(sp500, sp500_model):
    """Means, variances and stay probabilities: bse within 10% of statsmodels'."""
    sm = pytest.importorskip("statsmodels.api")
    y = 100 * sp500["SP500"].to_numpy()  # statsmodels' optimiser prefers percent
    reference = sm.tsa.MarkovRegression(y, k_regimes=2, switching_variance=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' own optimiser chatter
        fit = reference.fit()
    # statsmodels' parameters: p[0->0], p[1->0], const[0], const[1], sigma2[0],
    # sigma2[1]; its regime 0 is ours whose variance is closest to its sigma2[0]
    ours = sp500_model
    variances = 1e4 * ours.covars_[:, 0, 0]
    low = int(np.argmin(variances))
    order = [low, 1 - low]  # our regime matching statsmodels' 0, 1
    a = ours.transmat_
    mapped = np.array(
        [
            a[order[0], order[0]],
            a[order[1], order[0]],
            *(100 * ours.means_[order, 0]),
            *variances[order],
        ]
    )
    # same optimum: statsmodels' log-likelihood at our parameters is its maximum
    # (it conditions on the stationary initial distribution, we on the fitted one)
    assert reference.loglike(mapped) == pytest.approx(fit.llf, abs=0.05)
    np.testing.assert_allclose(mapped, fit.params, rtol=0.02)

    table = ours.standard_errors(sp500)
    names = [ours.regime_names_[k] for k in order]
    vol = table.loc[[f"vol[{n}, SP500]" for n in names]]
    ours_se = [
        *(table.loc[f"p[{n}->{n}]", "std_err"] for n in names),
        *(100 * table.loc[[f"mean[{n}, SP500]" for n in names], "std_err"]),
        # delta method: se(sigma^2) = 2 sigma se(sigma), in percent^2
        *(1e4 * 2 * vol["estimate"] * vol["std_err"]),
    ]
    # statsmodels reports p[1->0] = 1 - p[1->1]: the same standard error
    np.testing.assert_allclose(ours_se, fit.bse, rtol=0.10)


# ------------------------------------------------------------------- coverage

COVERAGE_TRUTH = {
    "mean[Bull, x]": 0.08,
    "mean[Bear, x]": -0.25,
    "vol[Bull, x]": 0.6,
    "vol[Bear, x]": 2.0,
    "p[Bull->Bull]": 0.98,
    "p[Bear->Bear]": 0.96,
}


def _two_regime_sample(n_days: int, seed: int) -> pd.DataFrame:
    """Percent returns from a known 2-regime HMM (Bull calm and up, Bear volatile).

    Drawn here rather than by hmmlearn's ``sample``, which draws each day's
    Gaussian by a separate call (a third of the 400-sample coverage test's time):
    the chain day by day from uniforms, then every day's return in one draw.
    """
    startprob = np.array([2 / 3, 1 / 3])  # the stationary distribution
    transmat = np.array([[0.98, 0.02], [0.04, 0.96]])
    means, sds = np.array([0.08, -0.25]), np.array([0.6, 2.0])
    rng = np.random.default_rng(seed)
    uniforms = rng.random(n_days).tolist()
    stay = np.diag(transmat).tolist()
    states = np.empty(n_days, dtype=int)
    state = int(uniforms[0] >= startprob[0])
    for t, u in enumerate(uniforms):
        if t:
            state = state if u < stay[state] else 1 - state  # two regimes
        states[t] = state
    x = means[states] + sds[states] * rng.standard_normal(n_days)
    days = pd.bdate_range("2000-01-03", periods=n_days)
    return pd.DataFrame({"x": x}, index=days)


def _coverage(n_samples: int, n_days: int) -> tuple[dict, dict, dict]:
    """Per parameter: intervals covering the truth, the same with half-width
    intervals, and sum of squared z-scores on the interval's (link) scale."""
    covered = dict.fromkeys(COVERAGE_TRUTH, 0)
    covered_half = dict.fromkeys(COVERAGE_TRUTH, 0)
    z2 = dict.fromkeys(COVERAGE_TRUTH, 0.0)
    z = stats.norm.ppf(0.975)
    links = {"mean": lambda x: x, "vol": np.log, "p": lambda x: np.log(x / (1 - x))}
    for seed in range(n_samples):
        returns = _two_regime_sample(n_days, seed)
        model = RegimeModel(2, n_init=2, n_iter=500, tol=1e-6, random_state=seed)
        table = model.fit(returns).standard_errors(returns)
        for name, truth in COVERAGE_TRUTH.items():
            row = table.loc[name]
            link = links[name.split("[")[0]]
            lo, hi = link(row["ci_lower"]), link(row["ci_upper"])
            se_link = (hi - lo) / (2 * z)
            centre = (hi + lo) / 2
            covered[name] += bool(lo <= link(truth) <= hi)
            covered_half[name] += bool(abs(link(truth) - centre) <= z * se_link / 2)
            z2[name] += ((link(truth) - centre) / se_link) ** 2
    return covered, covered_half, z2


def _check_coverage(n_samples: int, n_days: int) -> None:
    """Coverage counts are Binomial(n_samples, 0.95) per parameter when the
    intervals are right. With a 0.1% family-wise false-alarm rate (Bonferroni
    over the 6 parameters), each count must be at least its binomial 0.1%/6
    quantile; the z-scores' sum of squares must lie in the chi-square(n_samples)
    central 99.9%/6 range, which catches standard errors off by a constant factor
    in either direction. The half-width intervals (nominal ~68% coverage) must fail
    the coverage bound: the test has the power to see too-small errors."""
    covered, covered_half, z2 = _coverage(n_samples, n_days)
    alpha = 0.001 / len(COVERAGE_TRUTH)
    floor = stats.binom.ppf(alpha, n_samples, 0.95)
    low, high = stats.chi2.ppf([alpha / 2, 1 - alpha / 2], n_samples)
    for name in COVERAGE_TRUTH:
        assert covered[name] >= floor, (name, covered[name], floor)
        assert covered_half[name] < floor, (name, covered_half[name], floor)
        assert low <= z2[name] <= high, (name, z2[name], low, high)


def test_intervals_cover_the_true_parameters_at_95_percent():
    _check_coverage(n_samples=50, n_days=1500)


@pytest.mark.slow
def test_intervals_cover_the_true_parameters_at_95_percent_many_samples():
    # The power to see wrong standard errors comes from the number of samples
    # (the binomial and chi-square bounds), not from their length: 1,500 days is
    # the length at which the quick test above already takes the intervals as
    # asymptotic, and the half-width intervals must still fail the bound, so the
    # test still sees errors too small by a factor of 2 (or wrong by a constant
    # factor, through the chi-square range). 400 samples of 1,500 days cost 3/4
    # of 400 of 2,000.
    _check_coverage(n_samples=400, n_days=1500)


# ------------------------------------------------------------------ boundaries


def test_a_transition_never_taken_gets_nan_and_a_note():
    """Bull never jumps straight to Bear: p[Bull->Bear] is on the boundary."""
    hmm = GaussianHMM(3, covariance_type="full")
    hmm.n_features = 1
    hmm.startprob_ = np.array([1.0, 0, 0])
    hmm.transmat_ = np.array([[0.98, 0.02, 0], [0.02, 0.96, 0.02], [0, 0.03, 0.97]])
    # regimes far apart, so that the data show every switch and its direction
    hmm.means_ = np.array([[1.0], [0.0], [-1.5]])
    hmm.covars_ = np.array([[[0.25**2]], [[0.35**2]], [[0.6**2]]])
    X, _ = hmm.sample(3000, random_state=0)
    returns = pd.DataFrame(X, index=pd.bdate_range("2000-01-03", periods=3000))
    returns.columns = ["x"]
    model = RegimeModel(3, n_init=3, random_state=0, n_iter=500).fit(returns)
    table = model.standard_errors(returns)
    assert np.isnan(table.loc["p[Bull->Bear]", "std_err"])
    assert table.loc["p[Bull->Bear]", "note"].startswith("boundary")
    assert np.isnan(table.loc["p[Bear->Bull]", "std_err"])
    interior = table.drop(["p[Bull->Bear]", "p[Bear->Bull]"])
    assert (interior["std_err"] > 0).all() and (interior["note"] == "").all()
    assert "p[Bull->Bear]: boundary" in str(model.report(returns))


def test_a_stay_probability_at_the_min_duration_floor_gets_nan():
    returns = _two_regime_sample(1500, seed=0)
    model = RegimeModel(2, n_init=2, random_state=0, min_duration=200).fit(returns)
    table = model.standard_errors(returns)
    floor = 1 - 1 / 200
    pinned = [
        n
        for n in model.regime_names_
        if table.loc[f"p[{n}->{n}]", "estimate"] <= floor + 1e-9
    ]
    assert pinned, "the floor should bind on this data (true durations 25-50 days)"
    for name in pinned:
        assert np.isnan(table.loc[f"p[{name}->{name}]", "std_err"])
        assert "floor" in table.loc[f"p[{name}->{name}]", "note"]
        assert np.isnan(table.loc[f"duration[{name}]", "std_err"])
    assert table.filter(like="mean[", axis=0)["std_err"].gt(0).all()


def test_a_point_that_is_not_a_maximum_gets_nan_everywhere(sp500):
    """Two identical regimes: the likelihood is flat in the transition matrix, so the
    observed information is singular; no standard error is invented."""
    X = sp500.to_numpy()[-2000:]
    params = em.EMParameters(
        np.array([0.5, 0.5]),
        np.full((2, 2), 0.5),
        np.full((2, 1), X.mean()),
        np.full((2, 1, 1), X.var()),
    )
    table = _parameter_tables.hessian_table(
        X, params, "full", ["Bull", "Bear"], ["SP500"]
    )
    assert np.isnan(table.std_err).all() and np.isnan(table.ci_lower).all()
    assert all("not positive definite" in note for note in table.note)


# --------------------------------------------------------- model integration


@pytest.fixture(scope="module")
def sector_slice() -> pd.DataFrame:
    return load_sample().loc["2015":"2019", ["Technology", "Financials", "Energy"]]


def test_standard_errors_table_for_a_full_covariance_model(sector_slice):
    model = RegimeModel(2, n_init=3, random_state=0).fit(sector_slice)
    table = model.standard_errors(sector_slice, level=0.9)
    assert list(table.columns) == [
        "estimate",
        "std_err",
        "ci_lower",
        "ci_upper",
        "note",
    ]
    assert "corr[Bull, Technology, Financials]" in table.index
    assert "duration[Bear]" in table.index
    assert table.attrs == {"method": "hessian", "level": 0.9}
    finite = table.dropna(subset="std_err")
    assert (
        (finite["ci_lower"] < finite["estimate"])
        & (finite["estimate"] < finite["ci_upper"])
    ).all()
    # p[i->j] of one row share one constraint: the 2-regime off-diagonal and
    # diagonal entries have the same standard error
    assert table.loc["p[Bull->Bull]", "std_err"] == pytest.approx(
        table.loc["p[Bull->Bear]", "std_err"], rel=1e-6
    )
    np.testing.assert_allclose(
        table.filter(like="mean[", axis=0)["estimate"], model.means_.ravel()
    )


def test_standard_errors_do_not_depend_on_the_units(sector_slice):
    model = RegimeModel(2, n_init=3, random_state=0)
    decimal = model.fit(sector_slice).standard_errors(sector_slice)
    percent = model.fit(100 * sector_slice).standard_errors(100 * sector_slice)
    means = decimal.index.str.startswith(("mean", "vol"))
    np.testing.assert_allclose(
        percent.loc[means, "std_err"], 100 * decimal.loc[means, "std_err"], rtol=1e-3
    )
    np.testing.assert_allclose(
        percent.loc[~means, "std_err"], decimal.loc[~means, "std_err"], rtol=1e-3
    )


@pytest.mark.slow  # 40 refits; the Hessian's own checks stay in the quick run
def test_bootstrap_agrees_with_the_hessian_and_is_reproducible():
    """20 replicates: the bootstrap sd of a standard error's estimate is ~1/sqrt(38)
    = 16% relative, so +-50% is three of those."""
    returns = _two_regime_sample(1500, seed=3)
    model = RegimeModel(2, n_init=2, n_iter=500, tol=1e-6, random_state=0)
    model.fit(returns)
    hessian = model.standard_errors(returns)
    boot = model.standard_errors(returns, method="bootstrap", n_boot=20, random_state=1)
    assert boot.attrs["n_failed"] == 0 and boot.attrs["n_boot"] == 20
    ratio = boot["std_err"] / hessian["std_err"]
    assert ratio.between(0.5, 1.5).all(), ratio
    again = model.standard_errors(
        returns, method="bootstrap", n_boot=20, random_state=1
    )
    pd.testing.assert_frame_equal(again, boot)


def test_match_states_undoes_a_swap():
    rng = np.random.default_rng(0)
    params = _parameters("full", rng)
    swapped = (params.means[[2, 0, 1]], params.covars[[2, 0, 1]])
    order = match_states((params.means, params.covars), swapped)
    np.testing.assert_array_equal(swapped[0][order], params.means)


@pytest.mark.parametrize(
    ("kwargs", "param", "message"),
    [
        ({"level": 1.5}, "level", r"level of .* must be a finite number in \(0, 1\)"),
        ({"level": "95%"}, "level", r"level of .*got '95%'"),
        (
            {"method": "jackknife"},
            "method",
            "method of .*got 'jackknife'",
        ),
        (
            {"method": "bootstrap", "n_boot": 1},
            "n_boot",
            r"n_boot of .* must be an int in \[2, ",
        ),
        ({"n_jobs": 0}, "n_jobs", "n_jobs of .* must be None or a non-zero int"),
        ({"random_state": -1}, "random_state", "random_state of .* must be None"),
    ],
)
def test_bad_arguments_are_named(sp500, sp500_model, kwargs, param, message):
    """Refused by the declared contract, naming the parameter, before any work;
    the same from the model's thin method and from the results object."""
    with pytest.raises(InvalidParameterError, match=f"^{message}") as caught:
        sp500_model.standard_errors(sp500, **kwargs)
    assert caught.value.param == param
    with pytest.raises(InvalidParameterError, match=f"^{message}") as caught:
        sp500_model.results(sp500).standard_errors(**kwargs)
    assert caught.value.param == param


def test_standard_errors_need_the_training_data(sp500, sp500_model):
    # our error, naming the argument to change (the hostile pass found a bare
    # ValueError here)
    for other in (sp500.iloc[:-1], 1.01 * sp500):
        for call in (sp500_model.standard_errors, sp500_model.results):
            with pytest.raises(
                InvalidReturnsError, match="needs the returns the model was fitted on"
            ) as caught:
                call(other)
            assert caught.value.param == "returns"


# ---------------------------------------------------------------------- report


def _report_text_parts(text: str):
    """(header pairs, parameter rows) read back from the text report."""
    rules = [i for i, line in enumerate(text.splitlines()) if set(line) == {"="}]
    lines = text.splitlines()
    header = {}
    for line in lines[rules[0] + 1 : rules[1]]:
        for cell in re.split(r"\s{2,}(?=[A-Z][A-Za-z. -]*:\s)", line.strip()):
            label, value = cell.split(":", 1)
            header[label.strip()] = value.strip()
    rows = {}
    for line in lines[rules[1] + 1 : rules[2]]:
        if "]" not in line:  # the column titles and the index name
            continue
        name, rest = line.split("]", 1)
        rows[name.strip() + "]"] = [float(v) for v in rest.split()]
    return header, rows


def _report_html_parts(html: str):
    header = dict(re.findall(r"<tr><th>([^<]*)</th><td>([^<]*)</td></tr>", html))
    rows = {}
    for name, cells in re.findall(r"<th>([^<]*\])</th>((?:\s*<td>[^<]*</td>)+)", html):
        values = re.findall(r"<td>([^<]*)</td>", cells)
        rows[unescape(name)] = [float(v) if v else np.nan for v in values[:4]]
    return {unescape(k): unescape(v) for k, v in header.items()}, rows


def test_report_text_and_html(sp500, sp500_model):
    model = sp500_model
    report = model.report(sp500)
    text = str(report)
    assert text == report.as_text()
    header, rows = _report_text_parts(text)
    html_header, html_rows = _report_html_parts(report._repr_html_())

    # each fact of the fit stands next to its own label, in both renderings
    expected = {
        "Observations": "8312",
        "Start": "1990-01-03",
        "End": "2022-12-28",
        "Columns": "1",
        "Log-likelihood": f"{model.log_likelihood_:.2f}",
        "AIC": f"{model.aic(sp500):.2f}",
        "BIC": f"{model.bic(sp500):.2f}",
        "Converged": str(model.converged_),
        "Iterations": str(model.n_iter_),
        "Restarts": "3 of 3 succeeded",
        "Ordering": "Bull = lowest vol",
        "Covariance": "full",
    }
    for label, value in expected.items():
        assert header[label] == value, (label, header[label], value)
    assert html_header == header

    # the parameter table is the standard errors, row by row, to 4 digits
    se = model.standard_errors(sp500)
    assert list(rows) == list(se.index) == list(html_rows)
    numbers = se[["estimate", "std_err", "ci_lower", "ci_upper"]].to_numpy()
    for name, values in zip(se.index, numbers, strict=True):
        np.testing.assert_allclose(rows[name], values, rtol=5e-4, err_msg=name)
        np.testing.assert_allclose(html_rows[name], values, rtol=5e-4, err_msg=name)
    assert {"p[Bull->Bear]", "duration[Bear]"} <= set(rows)
    assert report._repr_html_().startswith("<h4>")


# ------------------------------------------------------------------ forecasts


def test_forecast_moments_by_hand():
    """f = (0.5, 0.5), A = [[0.9, 0.1], [0.2, 0.8]]: f A = (0.55, 0.45),
    f A^2 = (0.585, 0.415); means (1, -2), variances (1, 4):
    mean = 0.55 - 0.9 = -0.35; E[x^2] = 0.55 * 2 + 0.45 * 8 = 4.7,
    variance = 4.7 - 0.35^2 = 4.5775."""
    proba, mean, covariance = _forecast.forecast_moments(
        np.array([0.5, 0.5]),
        np.array([[0.9, 0.1], [0.2, 0.8]]),
        np.array([[1.0], [-2.0]]),
        np.array([[[1.0]], [[4.0]]]),
        horizon=2,
    )
    np.testing.assert_allclose(proba, [[0.55, 0.45], [0.585, 0.415]])
    assert mean[0, 0] == pytest.approx(-0.35)
    assert covariance[0, 0, 0] == pytest.approx(4.5775)
    assert mean[1, 0] == pytest.approx(0.585 - 2 * 0.415)


def test_forecast_of_a_fitted_model(sector_slice):
    model = RegimeModel(2, n_init=3, random_state=0).fit(sector_slice)
    forecast = model.forecast(sector_slice, horizon=300)
    last = model.filter_proba(sector_slice).iloc[-1].to_numpy()
    np.testing.assert_allclose(forecast.regime_proba.iloc[0], last @ model.transmat_)
    # far ahead: the stationary distribution, and its mixture moments
    stationary = model.summary()["stationary_probability"].to_numpy()
    np.testing.assert_allclose(forecast.regime_proba.iloc[-1], stationary, atol=1e-6)
    np.testing.assert_allclose(
        forecast.mean.loc[300], stationary @ model.means_, rtol=1e-5
    )
    one = forecast.covariance.loc[1].to_numpy()
    # the mixture's covariance, from its definition: sum_k p_k (Sigma_k + mu_k
    # mu_k^T) - m m^T with p = f_T A and m = p mu
    p = last @ model.transmat_
    m = p @ model.means_
    second = sum(
        p[k] * (model.covars_[k] + np.outer(model.means_[k], model.means_[k]))
        for k in range(len(p))
    )
    np.testing.assert_allclose(forecast.mean.loc[1], m, rtol=1e-10)
    np.testing.assert_allclose(one, second - np.outer(m, m), rtol=1e-9, atol=1e-15)
    assert np.all(np.linalg.eigvalsh(one) > 0)
    assert list(forecast.regime_proba.columns) == list(model.regime_names_)
    assert forecast.mean.index.name == "horizon"
    res = model.results(sector_slice)
    same = res.forecast(300)
    pd.testing.assert_frame_equal(same.regime_proba, forecast.regime_proba)
    pd.testing.assert_frame_equal(same.covariance, forecast.covariance)
    # a declared maximum: 10**6 days would build a covariance per day (issue 18)
    for call in (model.forecast, res.forecast):
        args = (sector_slice,) if call == model.forecast else ()
        for bad in (0, inference.MAX_HORIZON + 1, 10**6, 2.0):
            with pytest.raises(InvalidParameterError, match=r"\[1, 10000\]") as err:
                call(*args, horizon=bad)
            assert err.value.param == "horizon"
    assert len(res.forecast(inference.MAX_HORIZON).mean) == inference.MAX_HORIZON


# ------------------------------------------------------------------ model choice


def test_compare_fits_every_row_and_marks_the_best(sector_slice):
    model = RegimeModel(n_init=2, random_state=0)
    table = compare(
        sector_slice,
        n_regimes=(1, 2),
        covariance_types=("full", "diag"),
        model=model,
        test_size=250,
    )
    assert table.index.tolist() == [(1, "full"), (1, "diag"), (2, "full"), (2, "diag")]
    assert table.attrs["n_test"] == 250
    assert table.attrs["test_start"] == sector_slice.index[-250]
    for column in ("best_aic", "best_bic", "best_test"):
        assert table[column].sum() == 1
    assert table.loc[table["bic"].idxmin(), "best_bic"]
    # one row by hand: BIC of the full-data fit, and the test score as the mean of
    # log p(r_t | r_1..r_{t-1}) over the test days (differences of filtered scores)
    full = RegimeModel(2, covariance_type="diag", n_init=2, random_state=0)
    full.fit(sector_slice)
    assert table.loc[(2, "diag"), "bic"] == pytest.approx(full.bic(sector_slice))
    # log p(r_t | r_1..r_{t-1}) = log sum_j (f_{t-1} A)_j N(r_t; mu_j, Sigma_j), with
    # the filtered f of the model fitted on the training part only
    train = RegimeModel(2, covariance_type="diag", n_init=2, random_state=0)
    train.fit(sector_slice.iloc[:-250])
    filtered = train.filter_proba(sector_slice).to_numpy()
    predicted = filtered[-251:-1] @ train.transmat_
    log_b = em.log_emission_densities(
        sector_slice.to_numpy()[-250:], train.means_, train.covars_
    )
    by_hand = np.log((predicted * np.exp(log_b)).sum(axis=1)).mean()
    assert table.loc[(2, "diag"), "test_score"] == pytest.approx(by_hand, rel=1e-9)
    assert table["n_parameters"].tolist() == [9, 6, 21, 15]


def test_compare_records_a_failed_row_instead_of_raising(sector_slice):
    table = compare(
        sector_slice.iloc[:60],
        n_regimes=(1, 12),
        covariance_types=("full",),
        model=RegimeModel(n_init=1, random_state=0),
        test_size=10,
    )
    assert table.loc[(12, "full"), "error"].startswith("InvalidReturnsError")
    assert np.isnan(table.loc[(12, "full"), "bic"])
    assert table.loc[(1, "full"), "best_bic"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"test_size": 1.5},
            r"test_size of compare\(\) must be a finite number in \(0, 1\)",
        ),
        ({"test_size": 0}, r"test_size of compare\(\) must be .*got 0"),
        ({"n_regimes": ()}, "n_regimes of compare.* non-empty list"),
        (
            {"covariance_types": ("round",)},
            "covariance_types of compare.* from 'full', 'diag'",
        ),
    ],
)
def test_compare_names_bad_arguments(sector_slice, kwargs, message):
    with pytest.raises(ValueError, match=message):
        compare(sector_slice, **kwargs)


@pytest.mark.slow  # worker processes: seconds to start
def test_bootstrap_and_compare_give_the_same_numbers_in_parallel(sector_slice):
    """joblib workers (n_jobs=2) see the same seeds and data as a serial run."""
    returns = sector_slice.iloc[-750:, :2]
    model = RegimeModel(2, n_init=2, random_state=0).fit(returns)
    kwargs = {"method": "bootstrap", "n_boot": 2, "random_state": 0}
    pd.testing.assert_frame_equal(
        model.standard_errors(returns, n_jobs=2, **kwargs),
        model.standard_errors(returns, **kwargs),
    )
    settings = {"n_regimes": (1, 2), "covariance_types": ("diag",), "model": model}
    pd.testing.assert_frame_equal(
        compare(returns, n_jobs=2, **settings), compare(returns, **settings)
    )


def test_compare_warns_once_naming_fits_that_did_not_converge(sector_slice):
    model = RegimeModel(n_init=1, n_iter=2, screen_iter=0, random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"\(2, 'diag'\)") as record:
        table = compare(
            sector_slice, n_regimes=(2,), covariance_types=("diag",), model=model
        )
    assert len([w for w in record if w.category is ConvergenceWarning]) == 1
    assert not table.loc[(2, "diag"), "converged"]
    assert not table.loc[(2, "diag"), "test_converged"]


def test_sums_block_by_block_equal_one_pass():
    """The bounded-memory forward-backward: blocks of any length (1 day, a prime
    number, more than the data) give the same log-likelihood and E-step sums."""
    rng = np.random.default_rng(3)
    params = _parameters("full", rng)
    X = 1.3 * rng.normal(size=(300, 2))
    layout = _information.make_layout(params, "full", np.full((3, 3), 10.0))
    theta = _information.pack(params, layout)
    thetas = theta + 1e-3 * rng.normal(size=(3, len(theta)))
    sets = [_information.unpack(t, layout, 2) for t in thetas]
    whole = _information._batch_statistics(X, sets, block=1000)
    for block in (1, 7, 299):
        part = _information._batch_statistics(X, sets, block=block)
        for name in ("log_prob", "weight", "first", "second", "counts"):
            np.testing.assert_allclose(
                getattr(part, name), getattr(whole, name), rtol=1e-10, atol=1e-10
            )
    # and they are the E-step's: one set against regimes.em's forward-backward
    gamma, xi, log_prob = em.e_step(X, params)
    one = _information._batch_statistics(X, [params], block=50)
    assert one.log_prob[0] == pytest.approx(log_prob, abs=1e-9)
    np.testing.assert_allclose(one.weight[0], gamma.sum(axis=0), rtol=1e-10)
    np.testing.assert_allclose(one.first[0], gamma.T @ X, rtol=1e-10)
    np.testing.assert_allclose(one.counts[0], xi.sum(axis=0), rtol=1e-10)


def test_working_memory_of_the_sums_does_not_grow_with_the_days():
    """Issue 18: ~1 GB per 100k days. Peak allocations of the block-by-block sums
    (beyond the data) at 4x the days stay within 1.5x: only the blocks' ends, a
    few numbers per block, grow with the days."""
    import tracemalloc

    rng = np.random.default_rng(4)
    params = _parameters("full", rng)
    sets = [params] * 16

    def peak(n_days: int) -> int:
        X = rng.normal(size=(n_days, 2))
        tracemalloc.start()
        _information._batch_statistics(X, sets, block=256)
        size = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return size

    small, large = peak(2_000), peak(8_000)
    assert large < 1.5 * small


def test_hessian_intervals_stop_at_the_min_duration_floor():
    """Hostile 26: with min_duration=30, duration[Bull] got the Hessian interval
    [21.8, 49.0] (the bootstrap's stopped at 30), without a note."""
    from regimes.data import load_sample

    returns = load_sample().iloc[-1500:, :2]
    model = RegimeModel(
        2, covariance_type="diag", n_init=2, random_state=0, min_duration=30
    ).fit(returns)
    table = model.results(returns).standard_errors()
    floor = 1 - 1 / 30
    names = list(model.regime_names_)
    stays = [f"p[{n}->{n}]" for n in names]
    moves = [f"p[{a}->{b}]" for a in names for b in names if a != b]
    durations = [f"duration[{n}]" for n in names]
    finite = table["ci_lower"].notna()
    assert (table.loc[stays, "ci_lower"][finite] >= floor - 1e-12).all()
    assert (table.loc[moves, "ci_upper"][finite] <= 1 - floor + 1e-12).all()
    assert (table.loc[durations, "ci_lower"][finite] >= 30 - 1e-9).all()
    cut = table.loc[stays + moves + durations]
    at_floor = cut["note"].str.contains("cut at the min_duration floor")
    assert at_floor.any()  # this sample's Bull stays near the floor
    # an interval that is not cut is the plain Wald interval: no note
    plain = RegimeModel(2, covariance_type="diag", n_init=2, random_state=0).fit(
        returns
    )
    notes = plain.results(returns).standard_errors()["note"]
    assert not notes.str.contains("min_duration").any()


def test_a_bootstrap_duration_beyond_the_data_gets_a_note():
    """Hostile 46, H46-5: a replicate near p_ii = 1 gave duration standard
    errors of 2e14 days with an empty note. A duration some replicates put
    beyond the data's days is noted: its spread is no standard error."""
    from regimes._gaussian import EMParameters
    from regimes._parameter_tables import bootstrap_table

    def params(stay):
        transmat = np.array([[stay, 1 - stay], [0.05, 0.95]])
        covars = np.array([[[1.0]], [[4.0]]])
        return EMParameters(np.array([0.5, 0.5]), transmat, np.zeros((2, 1)), covars)

    fit = params(0.98)
    calm = [params(s) for s in (0.97, 0.98, 0.985, 0.975)]
    table = bootstrap_table(fit, calm, "full", ["Bull", "Bear"], ["x"], n_days=1000)
    assert not any(table.note)
    stuck = [*calm, params(1 - 1e-5)]  # a replicate that stays 100,000 days
    table = bootstrap_table(fit, stuck, "full", ["Bull", "Bear"], ["x"], n_days=1000)
    notes = dict(zip(table.names, table.note, strict=True))
    assert notes["duration[Bull]"].startswith(
        "longer than the data's 1,000 days in 1 of 5"
    )
    assert notes["duration[Bear]"] == ""
    # within 1e-6 of 1 a replicate's Bull is absorbing, as the warnings say
    # (hostile 59, 4): its duration is infinite, not 1e9 days
    never = [*calm, params(1 - 1e-9)]
    table = bootstrap_table(fit, never, "full", ["Bull", "Bear"], ["x"], n_days=1000)
    notes = dict(zip(table.names, table.note, strict=True))
    assert notes["duration[Bull]"] == "infinite in some replicates (absorbing regime)"
