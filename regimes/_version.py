"""The installed package's version, read in one place.

Its own module on the ground floor, so that the modules which stamp it on what
they write (model files, a walk's state, the report) need not import the package
from below.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("regimes")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
