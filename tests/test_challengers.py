"""Challengers: a warm fit's other restarts carried on to the next warm fit.

A chain of warm refits (walk_forward) continues each of its other restarts by
``CHALLENGER_ITER`` EM iterations per fit instead of starting new k-means
restarts every time (regimes._restarts). These tests pin what that promises: a
challenger follows the very EM path it would have followed in one run; the rules
that renew one; the k-means search that joins when the warm start fails; and a
resume record that carries them, refusing damaged ones.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning

from regimes import RegimeModel, _accelerate, _restarts, walk_forward
from regimes._covariance import read_full
from regimes._fitting import seeds, warm_fit_seeds
from regimes._hmm import fit_data
from regimes._restarts import (
    CHALLENGER_ITER,
    CHALLENGER_LIFE,
    SAME_OPTIMUM,
    Restart,
    next_challengers,
    start_restart,
)
from regimes.data import load_sample
from regimes.exceptions import InvalidParameterError
from regimes.results import portfolio_proba


def _standardized(X: np.ndarray) -> np.ndarray:
    return (X - X.mean(axis=0)) / X.std(axis=0)


def test_a_challenger_continues_the_em_path_of_its_restart(short_sample):
    """Continued on the same days, a challenger ends where one run of
    screen_iter + CHALLENGER_ITER iterations from its k-means start ends."""
    Z = _standardized(short_sample.to_numpy())
    settings = RegimeModel(3, n_init=3, n_keep=1, random_state=0)._check_params()
    seeds = [11, 12, 13]
    first = _restarts.run_restarts(Z, seeds, settings, challengers=[None, None])
    screened = [i for i in (1, 2) if first[i].screened_out]
    assert screened, "both places went on to convergence on this sample"
    carried = [(_parameters(run), run.n_iter, run.seed) for run in first[1:]]
    warm = _parameters(first[0])
    again = _restarts.run_restarts(Z, seeds, settings, warm=warm, challengers=carried)
    n_iter = settings.screen_iter + CHALLENGER_ITER
    for i in screened:
        run = again[i]
        assert run.init == "challenger" and run.earlier_iter == settings.screen_iter
        assert run.n_iter == CHALLENGER_ITER
        one_run = start_restart(fit_data(Z, "full"), seeds[i], settings, n_iter)
        # the same path, up to the floor (1e-8) that keeps pi and A off 0
        assert run.log_likelihood == pytest.approx(one_run.log_likelihood, rel=1e-9)
        np.testing.assert_allclose(run.hmm.means_, one_run.hmm.means_, atol=1e-6)


def _parameters(run: Restart) -> tuple[np.ndarray, ...]:
    hmm = run.hmm
    return (hmm.startprob_, hmm.transmat_, hmm.means_, read_full(hmm))


def test_a_warm_chain_carries_its_challengers(short_sample):
    model = RegimeModel(
        3, n_init=3, n_keep=1, n_iter=1000, random_state=0, warm_start=True
    )
    inits = []
    for end in range(1000, 1500, 60):
        model.fit(short_sample.iloc[:end])
        inits.append(model.restarts_["init"].tolist())
    assert inits[0] == ["k-means"] * 3  # the first fit has nothing to start from
    assert inits[1] == ["warm", "k-means", "k-means"]
    assert any("challenger" in row for row in inits[2:])
    assert all(row[0] == "warm" for row in inits[1:])


def test_a_chain_s_places_run_as_challengers_or_search(short_sample):
    """In a warm fit a carried challenger climbs CHALLENGER_ITER iterations
    before the screening; a k-means place (the first warm fit's, or one that
    renews a place) searches as in any fit: screen_iter. The warm start
    converges at its own tolerance, the others at tol."""
    model = RegimeModel(3, n_init=4, n_keep=1, random_state=0, warm_start=True)
    model.fit(short_sample.iloc[:1000])
    model.fit(short_sample.iloc[:1060])
    first = model.restarts_
    assert first["init"].tolist() == ["warm"] + ["k-means"] * 3
    assert (
        first["tol"].tolist()
        == [_restarts.restart_tol("warm", model.tol)] + [model.tol] * 3
    )
    budget = {"challenger": CHALLENGER_ITER, "k-means": model.screen_iter}
    seen = set()
    for end in (1060, 1120, 1180, 1240, 1300):
        model.fit(short_sample.iloc[:end])
        table = model.restarts_
        screened = table[table["screened_out"]]
        assert (screened["n_iter"] == screened["init"].map(budget)).all(), table
        seen.update(screened["init"])
    assert "challenger" in seen, "no challenger was carried: the test tests nothing"


def test_a_lone_warm_refit_searches_like_a_fit():
    """A warm refit on data that have moved, with no chain behind it, finds what
    ten cold restarts find (its k-means places were cut to 2 iterations once,
    and ended 100-170 nats below cold on this case)."""
    returns = load_sample().loc["2015":]
    old, new = returns.iloc[:1000], returns.iloc[1000:2000]
    options = {"n_init": 10, "random_state": 0, "covariance_type": "diag"}
    warm = RegimeModel(3, warm_start=True, **options).fit(old).fit(new)
    cold = RegimeModel(3, **options).fit(new)
    assert warm.log_likelihood_ >= cold.log_likelihood_ - 1e-3 * abs(
        cold.log_likelihood_
    )


def test_the_warm_tolerance_keeps_the_fit_of_the_strict_one(short_sample):
    """A warm refit that stops at 100 * tol lands within 1 nat of the one run to
    tol, in fewer EM iterations, and its converged_ is judged at its own
    tolerance. 1 nat: it stops once a step gains < 1e-2, and EM's steps shrink
    by a factor r < 0.99 near an optimum, so at most 1e-2 r / (1 - r) < 1 is
    left; a warm start stopped after 2-3 iterations (a factor 1e6) is ~2 short."""
    fits = {}
    for factor in (1.0, _restarts.WARM_TOL_FACTOR):
        model = RegimeModel(3, n_init=3, random_state=0, warm_start=True)
        model.fit(short_sample.iloc[:1000])
        previous, _restarts.WARM_TOL_FACTOR = _restarts.WARM_TOL_FACTOR, factor
        try:  # the warm start alone: no challenger can take over
            model.set_params(n_init=1).fit(short_sample.iloc[:1200])
        finally:
            _restarts.WARM_TOL_FACTOR = previous
        fits[factor] = model
    strict, loose = fits[1.0], fits[_restarts.WARM_TOL_FACTOR]
    assert loose.restarts_["init"].tolist() == ["warm"]
    assert abs(loose.log_likelihood_ - strict.log_likelihood_) < 1.0
    assert loose.n_iter_ < strict.n_iter_, "the tolerances made no difference"
    assert loose.restarts_["tol"].iloc[0] == 100 * loose.tol
    assert loose.converged_ and strict.converged_


@pytest.mark.parametrize("accelerate", [True, False])
def test_the_warm_start_s_em_stops_at_its_own_tolerance(short_sample, accelerate):
    """The warm tolerance reaches EM itself, SQUAREM's loop and hmmlearn's own
    (whose monitor copies tol when the model is built): the warm run's last
    recorded gain is below its tolerance, and it runs fewer iterations than the
    same start held to tol."""
    Z = _standardized(short_sample.to_numpy())
    settings = RegimeModel(3, n_init=1, random_state=0)._check_params()
    first = _restarts.run_restarts(Z[:1000], [7], settings)[0]
    n_iter = {}
    previous = _restarts.WARM_TOL_FACTOR, _accelerate.ACCELERATE
    _accelerate.ACCELERATE = accelerate
    try:
        for factor in (1.0, 100.0):
            _restarts.WARM_TOL_FACTOR = factor
            run = _restarts.run_restarts(Z, [7], settings, warm=_parameters(first))[0]
            assert run.init == "warm" and run.converged
            assert run.history[-1] - run.history[-2] < run.tol
            n_iter[factor] = run.n_iter
    finally:
        _restarts.WARM_TOL_FACTOR, _accelerate.ACCELERATE = previous
    assert n_iter[100.0] < n_iter[1.0], n_iter


@pytest.mark.parametrize("options", [{"screen_iter": 0}, {"n_keep": 3}])
def test_without_screening_challengers_run_to_the_end_too(short_sample, options):
    """screen_iter=0 (or n_keep >= n_init) runs every restart to the end: a
    challenger's 2 iterations must not end a fit. A small n_iter leaves restarts
    unconverged, so that they are carried as challengers."""
    model = RegimeModel(3, n_init=3, n_iter=12, random_state=0, warm_start=True)
    model.set_params(**options)
    carried = 0
    for end in (1000, 1100, 1200, 1300):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(short_sample.iloc[:end])
        table = model.restarts_
        ok = table["error"] == ""
        assert ((table["n_iter"] == 12) | table["converged"])[ok].all(), table
        assert not table["screened_out"].any()
        carried += int((table["init"] == "challenger").sum())
    assert carried, "no challenger was carried: the test tests nothing"


def _run(ll: float, history=(0.0, 1.0), init="challenger", error="") -> Restart:
    run = Restart(seed=0, init=init, tol=1e-4, history=list(history), error=error)
    run.log_likelihood = np.nan if error else ll
    return run


def test_renewal_rules():
    """A challenger goes on only while it can still find something new."""
    n_days, tol = 1000, 1e-4
    kept = _run(100.0, init="warm")
    climbing = _run(90.0)
    same = _run(100.0 - 0.5 * SAME_OPTIMUM * n_days)
    converged = _run(80.0, history=(80.0 - tol / 2, 80.0))
    failed = _run(0.0, error="degenerate")
    old = _run(90.0)
    runs = [kept, climbing, same, converged, failed, old]
    ages = [0, 0, 0, 0, CHALLENGER_LIFE - 1]
    out = next_challengers(runs, kept, n_days, ages)
    assert out == [climbing, None, None, None, None]
    # the kept restart is never carried as a challenger, wherever it stands
    out = next_challengers([kept, climbing], climbing, n_days, [0])
    assert out == [None]


def _degenerate_warm_starts(monkeypatch) -> None:
    """From now on every warm start fails as a degenerate one does."""
    real = _restarts.start_restart

    def warm_degenerates(shared, seed, settings, n_iter, warm=None, *args):
        run = real(shared, seed, settings, n_iter, warm, *args)
        if run.init == "warm":
            run.error, run.hmm, run.log_likelihood = "degenerate: test", None, np.nan
        return run

    monkeypatch.setattr(_restarts, "start_restart", warm_degenerates)


def test_when_the_warm_start_fails_k_means_restarts_join(short_sample, monkeypatch):
    model = RegimeModel(
        3, n_init=3, n_keep=1, n_iter=1000, random_state=0, warm_start=True
    )
    for end in range(1000, 1400, 40):  # a chain, until it carries a challenger
        model.fit(short_sample.iloc[:end])
        if any(c is not None for c in model.fitted_state_.challengers):
            break
    assert any(c is not None for c in model.fitted_state_.challengers)
    _degenerate_warm_starts(monkeypatch)
    model.fit(short_sample.iloc[: end + 40])
    inits = model.restarts_["init"].tolist()
    assert inits[0] == "warm" and "challenger" in inits[1:3]
    # a new search joined: a k-means restart for the warm place and each challenger
    places = [0] + [i for i in (1, 2) if inits[i] == "challenger"]
    assert inits[3:] == ["k-means"] * len(places)
    assert model.restarts_.loc[0, "error"] == "degenerate: test"
    # with the chain's seeds for the fit's size (see warm_fit_seeds)
    drawn = warm_fit_seeds(seeds(0, 3), short_sample.index[: end + 40])
    assert model.restarts_["seed"].tolist()[3:] == [drawn[i] for i in places]
    # the next fit carries challengers by position only
    assert len(model.fitted_state_.challengers) == 2


def test_a_lone_warm_start_that_fails_is_replaced_by_k_means(short_sample, monkeypatch):
    """fresh_restarts=0: no challenger to fall back on; a k-means restart joins
    instead of the refit failing (hostile pass: a tied model aborted the walk)."""
    model = RegimeModel(3, n_init=1, n_iter=1000, random_state=0, warm_start=True)
    model.fit(short_sample.iloc[:1000])
    _degenerate_warm_starts(monkeypatch)
    model.fit(short_sample.iloc[:1100])
    assert model.restarts_["init"].tolist() == ["warm", "k-means"]
    assert model.restarts_["best"].tolist() == [False, True]


OPTIONS = dict(refit="Q", min_train=500, progress=False)


def test_a_challenger_keeps_its_own_seed(short_sample):
    """The restarts table names the seed a challenger started from, even after
    set_params(random_state=...) changed the seeds of new restarts."""
    model = RegimeModel(3, n_init=3, n_keep=1, n_iter=1000, random_state=0)
    model.set_params(warm_start=True)
    for end in range(1000, 1400, 40):
        model.fit(short_sample.iloc[:end])
        if any(c is not None for c in model.fitted_state_.challengers):
            break
    carried = {
        i: c.seed
        for i, c in enumerate(model.fitted_state_.challengers, start=1)
        if c is not None
    }
    assert carried
    model.set_params(random_state=12345).fit(short_sample.iloc[: end + 40])
    table = model.restarts_
    for i, seed in carried.items():
        assert table.loc[i, "init"] == "challenger"
        assert table.loc[i, "seed"] == seed


def test_the_resume_record_carries_the_challengers(short_sample):
    walk = walk_forward(
        short_sample.iloc[:900], RegimeModel(3, n_init=3, random_state=0), **OPTIONS
    )
    record = json.loads(walk.attrs["resume"])
    carried = [c for c in record["challengers"] if c is not None]
    assert carried, "no challenger carried at the last refit of this run"
    assert set(carried[0]) == {
        "seed",
        "n_iter",
        "age",
        "startprob",
        "transmat",
        "means",
        "covars",
    }


def _entry(record: dict) -> dict:
    return next(c for c in record["challengers"] if c is not None)


def _set(key, value):
    return lambda record: _entry(record).__setitem__(key, value)


@pytest.fixture(scope="module")
def short_walk(short_sample):
    """(model, walk) of 900 days refitted quarterly: a record to damage."""
    model = RegimeModel(3, n_init=3, random_state=0)
    return model, walk_forward(short_sample.iloc[:900], model, **OPTIONS)


DAMAGES = {
    "a field missing": lambda record: _entry(record).pop("means"),
    "an extra field": _set("note", 1),
    "means of another shape": _set("means", [[1.0, 2.0]]),
    "covars not numeric": _set("covars", "many"),
    "startprob NaN": _set("startprob", [float("nan")] * 3),
    "startprob not probabilities": _set("startprob", [2.0, -1.0, 0.0]),
    "age as a string": _set("age", "3"),
    "age fractional": _set("age", 3.7),
    "age boolean": _set("age", True),
    "age negative": _set("age", -1000),
    "age beyond the life": _set("age", _restarts.CHALLENGER_LIFE),
    "n_iter negative": _set("n_iter", -1),
    "covars zero": lambda record: _entry(record).__setitem__(
        "covars", np.zeros(np.shape(_entry(record)["covars"])).tolist()
    ),
    "covars asymmetric": lambda record: _entry(record)["covars"][0][0].__setitem__(
        1, 5.0
    ),
    "a dict instead of the list": lambda record: record.__setitem__("challengers", {}),
    "a string instead of the list": lambda record: record.__setitem__(
        "challengers", ""
    ),
    "too many entries": lambda record: record.__setitem__(
        "challengers", record["challengers"] * 5
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_challenger_in_the_record_is_refused(
    short_sample, short_walk, damage
):
    model, walk = short_walk
    record = json.loads(walk.attrs["resume"])
    DAMAGES[damage](record)
    edited = walk.copy()
    edited.attrs = {**walk.attrs, "resume": json.dumps(record)}
    with pytest.raises(InvalidParameterError, match="was edited") as info:
        walk_forward(short_sample, model, resume=edited, **OPTIONS)  # the digest
    assert info.value.param == "resume"
    del record["digest"]  # as a record written before the digest was kept
    edited.attrs = {**walk.attrs, "resume": json.dumps(record)}
    with pytest.raises(InvalidParameterError, match="challengers.*damaged") as info:
        walk_forward(short_sample, model, resume=edited, **OPTIONS)
    assert info.value.param == "resume"


def test_a_record_without_challengers_resumes_from_k_means(short_sample):
    """Records written before challengers were kept still resume."""
    model = RegimeModel(3, n_init=3, random_state=0)
    walk = walk_forward(short_sample.iloc[:900], model, **OPTIONS)
    record = json.loads(walk.attrs["resume"])
    del record["challengers"], record["digest"]  # an older record has neither
    older = walk.copy()
    older.attrs = {**walk.attrs, "resume": json.dumps(record)}
    resumed = walk_forward(short_sample, model, resume=older, **OPTIONS)
    # the days the record covers are kept as they were, bit for bit
    pd.testing.assert_frame_equal(resumed.loc[walk.index], walk, check_exact=True)
    # the new days are decoded: every one, a regime and probabilities summing to 1
    new = resumed.loc[short_sample.index[900:]]
    assert new.index.equals(short_sample.index[900:])
    assert new["regime"].notna().all()
    names = list(model.get_params()["regime_names"] or ["Bull", "Sideways", "Bear"])
    np.testing.assert_allclose(portfolio_proba(new, names).sum(axis=1), 1.0, atol=1e-12)
    # and refitted after the record's last refit (from k-means: no challengers)
    assert len(resumed.attrs["refits"]) > len(walk.attrs["refits"])


def test_a_large_tol_is_not_multiplied_for_warm_starts(short_sample):
    """The warm tolerance is 100 x tol only up to hmmlearn's default 1e-2: tol=0.5
    must not let a warm start stop while its steps still gain 49 units."""
    assert _restarts.restart_tol("warm", 0.5) == 0.5
    assert _restarts.restart_tol("warm", 1e-3) == _restarts.WARM_TOL_MAX
    assert _restarts.restart_tol("challenger", 1e-3) == 1e-3
    model = RegimeModel(3, n_init=1, tol=0.5, random_state=0, warm_start=True)
    model.fit(short_sample.iloc[:1000]).fit(short_sample.iloc[:1100])
    assert model.restarts_["tol"].tolist() == [0.5]


def test_a_warm_fit_s_k_means_places_start_anew_at_every_fit(short_sample, monkeypatch):
    """With an int random_state every fit draws the same seeds: a chain's
    k-means places take new ones from the training size, so that a renewed place
    does not climb back to the optimum it found last time; the same data give
    the same seeds (a rerun, or a resumed walk, agrees)."""
    drawn = seeds(0, 4)
    days = short_sample.index
    grown, longer = (
        warm_fit_seeds(drawn, days[:1000]),
        warm_fit_seeds(drawn, days[:1060]),
    )
    rolled = warm_fit_seeds(drawn, days[60:1060])  # a rolling window keeps its size
    assert not set(grown) & set(longer) and not set(grown) & set(rolled)
    np.testing.assert_array_equal(grown, warm_fit_seeds(drawn, days[:1000].copy()))
    monkeypatch.setattr(_restarts, "CHALLENGER_LIFE", 2)  # renewals, soon
    ends = range(1000, 1400, 60)
    tables = []
    for _ in range(2):
        model = RegimeModel(3, n_init=4, n_keep=1, random_state=0, warm_start=True)
        for end in ends:
            model.fit(short_sample.iloc[:end])
            tables.append(model.restarts_)
    half = len(ends)
    fresh = [set(t.loc[t["init"] == "k-means", "seed"]) for t in tables[:half]]
    assert fresh[0] == set(drawn)  # the cold fit, and the first warm one, search
    later = [f for f in fresh[2:] if f]
    assert later and all(not f & set(drawn) for f in later), fresh
    for a, b in zip(tables[:half], tables[half:], strict=True):
        pd.testing.assert_frame_equal(a, b)
