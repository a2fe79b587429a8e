"""Datasets shared between threads: their pandas indexes built before anyone reads them.

A pandas index builds its lookup table (the engine's hash table of labels) lazily, on the
first lookup, and without a lock: the table is attached to the engine first and then
filled, and the filling releases the GIL. A second thread that looks up a label meanwhile
sees a table that is not yet full: the index looks non-unique ("Reindexing only valid with
uniquely valued Index objects") or a label present looks absent (a KeyError). The service
answers many requests at once from the datasets of one loaded release (and the build's
thread runner from the same loaded cubes), so every such dataset has its tables built by
:func:`prime_indexes` when it is loaded, while only the loading thread holds it.

Measured with 8 threads checking ``is_unique`` of a fresh 300-label integer index at the
same moment: at least one of them saw it non-unique in 9 of 300 trials (209 of 300 with
3,000 labels); after priming, in none.
"""

from __future__ import annotations

import pandas as pd
import xarray as xr


def prime_index(index: pd.Index) -> None:
    """Build ``index``'s lookup table and its uniqueness and order flags now."""
    # uniqueness populates the hash table; the order flags are separate lazy checks
    _ = index.is_unique, index.is_monotonic_increasing, index.is_monotonic_decreasing


def prime_indexes(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with every index's lookup table built (the same object, for chaining).

    Subsets (``ds.sel``, ``ds["var"]``) share the pandas index objects of ``ds`` where
    they keep a whole dimension, so priming the loaded dataset covers them.
    """
    for index in ds.indexes.values():
        prime_index(index)
    return ds
