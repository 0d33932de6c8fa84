"""Every code block of README.md runs: the Python blocks in order, the commands.

The Python blocks are executed top to bottom in one namespace, as a reader pasting
them into one session would, offline (yfinance is replaced at its boundary by frames
of the shape it returns). A block may be skipped only with an HTML comment
``<!-- no-test: reason -->`` on the line before it; those are counted and kept rare.
The ``bash`` blocks are parsed: every command of ours is called through
``.venv/bin/`` (what the README's set-up installs), and every ``regimes`` command
line runs through :func:`regimes.cli.main`, with ``--out`` sent to a temporary folder.
"""

from __future__ import annotations

import ast
import builtins
import re
import shlex
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
MAX_SKIPPED = 1  # blocks marked no-test; raise only with a reason in the README

_FENCE = re.compile(r"^```(\S*)\s*$")
_NO_TEST = re.compile(r"^<!--\s*no-test:\s*(\S.*?)\s*-->$")


@dataclass(frozen=True)
class Block:
    lang: str
    code: str
    line: int  # 1-based line of the opening fence
    skip: str | None  # the no-test reason, if marked

    def __str__(self) -> str:
        return f"README.md:{self.line} ({self.lang})"


def readme_blocks(text: str | None = None) -> list[Block]:
    """The fenced blocks of the README, in order, with their no-test marks."""
    lines = (README.read_text(encoding="utf-8") if text is None else text).splitlines()
    blocks, i = [], 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        end = i + 1
        while not lines[end].startswith("```"):
            end += 1
        before = [line.strip() for line in lines[:i] if line.strip()]
        mark = _NO_TEST.match(before[-1]) if before else None
        blocks.append(
            Block(
                fence.group(1),
                "\n".join(lines[i + 1 : end]),
                i + 1,
                mark.group(1) if mark else None,
            )
        )
        i = end + 1
    return blocks


def python_blocks() -> list[Block]:
    return [b for b in readme_blocks() if b.lang == "python"]


def commands() -> list[tuple[Block, list[str]]]:
    """Every command of the bash blocks as argv (comments dropped, && split)."""
    found = []
    for block in readme_blocks():
        if block.lang != "bash":
            continue
        for line in block.code.splitlines():
            words = shlex.split(line, comments=True)
            command: list[str] = []
            for word in [*words, "&&"]:
                if word in ("&&", "||", ";"):
                    if command:
                        found.append((block, command))
                    command = []
                else:
                    command.append(word)
    return found


def test_the_parser_finds_blocks_marks_and_commands():
    text = (
        "```python\nx = 1\n```\n\n<!-- no-test: needs a cluster -->\n\n"
        "```python\ny = 2\n```\n```bash\na b  # c\n```\n"
    )
    blocks = readme_blocks(text)
    assert [(b.lang, b.code, b.line, b.skip) for b in blocks] == [
        ("python", "x = 1", 1, None),
        ("python", "y = 2", 7, "needs a cluster"),
        ("bash", "a b  # c", 10, None),
    ]


def test_every_block_says_its_language_and_few_are_skipped():
    blocks = readme_blocks()
    assert len(python_blocks()) >= 6
    unlabelled = [str(b) for b in blocks if b.lang not in ("python", "bash")]
    assert not unlabelled, f"label these blocks python or bash: {unlabelled}"
    skipped = [f"{b}: {b.skip}" for b in blocks if b.skip]
    assert len(skipped) <= MAX_SKIPPED, skipped


# ------------------------------------------------------------------ Python


def _names_used_before_defined(blocks: list[Block]) -> list[str]:
    """Free names of each block not defined by an earlier block (or builtins)."""
    defined = set(dir(builtins))
    problems = []
    for block in blocks:
        tree = ast.parse(block.code, filename=str(block))
        stored = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                stored.add(node.id)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                stored.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                stored.add(node.name)
            elif isinstance(node, ast.arg):
                stored.add(node.arg)
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                stored.update(
                    n.id
                    for n in ast.walk(node.optional_vars)
                    if isinstance(n, ast.Name)
                )
        loaded = {
            n.id
            for n in ast.walk(tree)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
        }
        missing = sorted(loaded - defined - stored)
        problems += [f"{block}: {name}" for name in missing]
        defined |= stored
    return problems


def test_python_blocks_use_only_names_defined_above():
    # the fast half of the check below: `fit_many(us_returns)` cannot ship again
    assert _names_used_before_defined(python_blocks()) == []
    bad = [Block("python", "from x import y\nz = y(w)", 1, None)]
    assert _names_used_before_defined(bad) == ["README.md:1 (python): w"]


def _fake_download(tickers, start=None, end=None, **kwargs):
    """yfinance.download for any tickers and dates, with the shape it returns."""
    from ._yf import yf_frame

    names = tickers.split() if isinstance(tickers, str) else list(tickers)
    first = pd.Timestamp(start or "2015-01-01")
    last = (
        pd.Timestamp(end) - pd.Timedelta(days=1)
        if end
        else first + pd.DateOffset(years=3)
    )
    periods = len(pd.bdate_range(first, last))
    return yf_frame(names, start=str(first.date()), periods=periods, seed=periods)


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No network, downloads cached in tmp, files written in tmp, figures off-screen."""
    import matplotlib
    import yfinance

    matplotlib.use("Agg")
    monkeypatch.setattr(yfinance, "download", _fake_download)
    monkeypatch.setenv("REGIMES_CACHE_DIR", str(tmp_path / "cache"))
    yield tmp_path
    import matplotlib.pyplot as plt

    plt.close("all")


def _run_python_blocks(blocks: list[Block]) -> dict:
    """Execute the blocks in one namespace; any warning but one is an error.

    A ConvergenceWarning is what a reader running the block would see too (a
    refit of the walk-forward that runs out of iterations); it says so and is not
    a failure of the README.
    """
    from sklearn.exceptions import ConvergenceWarning

    namespace: dict = {"__name__": "__readme__"}
    for block in blocks:
        if block.skip:
            continue
        code = compile(block.code, str(block), "exec")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            warnings.simplefilter("ignore", ConvergenceWarning)
            try:
                exec(code, namespace)
            except Exception as err:  # say which block failed, keep the traceback
                raise AssertionError(f"{block} failed: {err!r}") from err
    return namespace


def _computed_once(walk_forward):
    """``walk_forward`` that computes each distinct call once and then hands copies.

    The README's walk-forward sections each stand alone for a reader, so they run
    the same walk-forward (the sample, ``RegimeModel(n_init=10, random_state=0)``,
    monthly refits) three times; a repeat with equal data, equal estimator
    parameters (``walk_forward`` fits clones) and equal arguments gives the same
    frame (a seeded fit is deterministic), so the test computes it once. A call
    with ``resume`` always runs: it is the point of its block.
    """
    import inspect

    import regimes.walkforward

    signature = inspect.signature(regimes.walkforward.walk_forward)
    frames: dict[tuple, pd.DataFrame] = {}

    def once(returns, model=None, **kwargs):
        if kwargs.get("resume") is not None:
            return walk_forward(returns, model, **kwargs)
        arguments = signature.bind(returns, model, **kwargs)
        arguments.apply_defaults()  # min_train=504 said or not is one call
        settings = {**arguments.arguments, "returns": None, "model": None}
        del settings["progress"]
        key = (
            tuple(returns.columns),
            int(pd.util.hash_pandas_object(returns).sum()),
            None if model is None else (type(model), repr(model.get_params())),
            repr(sorted(settings.items())),
        )
        if key not in frames:
            frames[key] = walk_forward(returns, model, **kwargs)
        return frames[key].copy()

    return once


@pytest.mark.slow
def test_python_blocks_run_in_order(offline, monkeypatch):
    import regimes

    monkeypatch.setattr(regimes, "walk_forward", _computed_once(regimes.walk_forward))
    monkeypatch.chdir(offline)
    namespace = _run_python_blocks(python_blocks())
    # the blocks did what they say, on the data they say
    assert set(namespace["models"]) == set(namespace["universes"])
    assert namespace["wf"].index[0] >= namespace["returns"].index[0]
    assert np.isfinite(namespace["result"].stats.loc["sharpe"]).all()


def test_python_blocks_run_in_order_on_a_shorter_sample(offline, monkeypatch):
    """The same blocks, quick: the sample from mid-2004, yearly refits, no figures.

    Mid-2004 is about the latest start at which the walk-forward (504 training
    days, then yearly refits) still covers the 2007 peak the README's
    detection_lag asks about; yearly refits instead of monthly ones make the
    walk-forward ~12 times cheaper. ``fit_many(..., n_jobs=2)`` runs on threads
    instead of the worker processes it starts as written: starting them cost
    ~6 s of this test's ~17 s (2026-12-04); the outcome does not depend on
    where the fits run (tests/test_walkforward.py compares them). The test
    above runs the blocks exactly as written; when it runs too (the full
    suite), this one is deselected (tests/conftest.py): it would check the same
    blocks again on less data.
    """
    import joblib

    import regimes
    import regimes.data
    import regimes.report

    full_sample, monthly = regimes.data.load_sample, regimes.walk_forward

    def shorter(*args, **kwargs):
        return full_sample(*args, **kwargs).loc["2004-06-01":]

    def yearly(*args, **kwargs):
        return monthly(*args, **{**kwargs, "refit": "Y"})

    monkeypatch.setattr(regimes.data, "load_sample", shorter)
    monkeypatch.setattr(regimes, "walk_forward", _computed_once(yearly))
    # the reports' tables and text, without drawing their figures (two thirds
    # of a report's time; the full test above draws them)
    monkeypatch.setattr(regimes.report, "_figure_section", lambda *args: "")
    monkeypatch.chdir(offline)
    with joblib.parallel_config(backend="threading"):
        namespace = _run_python_blocks(python_blocks())
    assert set(namespace["models"]) == set(namespace["universes"])
    assert namespace["returns"].index[0] >= pd.Timestamp("2004-06-01")
    assert np.isfinite(namespace["result"].stats.loc["sharpe"]).all()


# ----------------------------------------------------------------- commands

_OURS = ("regimes", "python", "pip", "pytest", "jupyter")


def test_commands_call_the_virtual_environment():
    found = commands()
    assert found, "no bash blocks found"
    bare = [
        f"{block}: {' '.join(argv)}"
        for block, argv in found
        if Path(argv[0]).name in _OURS
        and not argv[0].startswith((".venv/", "../.venv/"))
    ]
    assert not bare, f"call these through .venv/bin/ (or say to activate): {bare}"


def _regimes_lines() -> list[tuple[Block, list[str]]]:
    return [(b, argv) for b, argv in commands() if Path(argv[0]).name == "regimes"]


def test_the_csv_example_ships():
    csv_lines = [argv for _, argv in _regimes_lines() if "--csv" in argv]
    assert csv_lines, "the README shows no --csv command"
    for argv in csv_lines:
        path = ROOT / argv[argv.index("--csv") + 1]
        assert path.is_file(), f"{path} does not exist"


def _without_out(argv: list[str]) -> tuple[str, ...]:
    args = list(argv)
    if "--out" in args:
        at = args.index("--out")
        del args[at : at + 2]
    return tuple(args)


def _command_cases() -> list:
    """Each distinct command line once (``--out`` aside); a line that fits the
    whole bundled sample (no --csv, --download or --start) runs with the slow tests.
    """
    cases, seen = [], set()
    for _, argv in _regimes_lines():
        args = _without_out(argv)
        if args in seen:
            continue
        seen.add(args)
        cheap = {"--csv", "--download", "--start"} & set(args)
        marks = () if cheap else (pytest.mark.slow,)
        name = " ".join(args[1:]) or "(no options)"
        cases.append(pytest.param(argv, marks=marks, id=name))
    return cases


@pytest.mark.parametrize("argv", _command_cases())
def test_regimes_command_lines_run(argv, offline, monkeypatch, capsys):
    from regimes.cli import main

    assert argv[0] == ".venv/bin/regimes"
    args = list(_without_out(argv)[1:])
    out = offline / "out"
    # paths in the README are relative to the repository: run in a copy of the
    # folders they name, so that --report and --state write nothing into the checkout
    shutil.copytree(ROOT / "examples", offline / "examples", dirs_exist_ok=True)
    monkeypatch.chdir(offline)
    status = main([*args, "--out", str(out)])
    text = capsys.readouterr()
    assert status == 0, text.err
    assert (out / "regimes.csv").is_file() and (out / "regimes.png").is_file()
    assert "Regime on" in text.out or "walk-forward" in text.out.lower()


# ------------------------------------------------- what the README says of the API


def test_every_option_of_the_command_is_in_the_options_table():
    """The audit of 2026-12-03 (A51-19): --keep-missing was in --help and not in
    the README's table of the command's options."""
    from regimes.cli import _parser

    text = README.read_text(encoding="utf-8")
    start = text.index("| option | what it does |")
    table = text[start : text.index("\n\n", start)]
    options = {
        option
        for action in _parser()._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    }
    missing = sorted(o for o in options if f"`{o}" not in table)
    assert missing == []


def test_the_constructor_the_readme_shows_is_the_real_one():
    """The audit of 2026-12-03 (A51-18): the README's RegimeModel(...) line left
    out half the parameters (switch_penalty among them) while looking complete.
    It must name every parameter, in order, with its default."""
    import inspect

    from regimes import RegimeModel

    text = README.read_text(encoding="utf-8")
    shown = re.search(r"`(RegimeModel\(n_regimes=3, \*,.*?\))`", text, re.DOTALL)
    assert shown is not None
    call = ast.parse(" ".join(shown.group(1).split()).replace("*, ", ""))
    keywords = call.body[0].value.keywords
    said = {k.arg: ast.literal_eval(k.value) for k in keywords}
    real = {
        name: p.default for name, p in inspect.signature(RegimeModel).parameters.items()
    }
    assert list(said) == list(real)
    assert said == real
