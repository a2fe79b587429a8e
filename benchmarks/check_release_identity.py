"""Are two commits' release datasets the same numbers? Compare the ``--save`` directories of
two ``benchmarks/profile_release.py`` runs.

    python benchmarks/check_release_identity.py BEFORE_DIR AFTER_DIR [--products a,b]

Each ``<product>.nc`` present in both directories (or each named product) must be
``xarray.testing.assert_identical``: the same variables, coordinates, values bit for bit and
attrs, except ``code_version`` (the commit that built it, on the dataset or a variable).
``monthly_reviews`` (the rendered review files, packed) is compared file by file: the same
names, order, media types and meta, HTML bytes, PDFs but for the lines naming the second
they were written (fpdf2's ``/CreationDate`` and the ``/ID`` derived from it), which differ
between any two builds. Exits 1 on any difference.

To produce the directories, run the profile once with each commit's code, e.g. the earlier
commit from a checkout of it (the script imports the package of the checkout it lies in):

    python benchmarks/profile_release.py --scope national \\
        --products register_backtest_metrics,register_forecasts --save /tmp/after
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import xarray as xr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

IGNORED_ATTRS = ("code_version",)


def comparable(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` without the attrs that name the build rather than the numbers."""
    out = ds.copy()
    out.attrs = {k: v for k, v in out.attrs.items() if k not in IGNORED_ATTRS}
    for var in out.variables.values():
        var.attrs = {k: v for k, v in var.attrs.items() if k not in IGNORED_ATTRS}
    return out


#: Products whose files are compared as unpacked review files (:func:`same_files`).
PACKED = ("monthly_reviews",)


def same_files(old: xr.Dataset, new: xr.Dataset) -> str | None:
    """None if two packed attachment datasets hold the same files but for a PDF's creation
    time, else what differs."""
    from forecasting.release.attachments import unpack_attachments

    def content(data: bytes, name: str) -> bytes:
        if not name.endswith(".pdf"):
            return data
        lines = data.split(b"\n")
        return b"\n".join(x for x in lines if not x.startswith((b"/CreationDate", b"/ID [")))

    (left, left_skipped), (right, right_skipped) = unpack_attachments(old), unpack_attachments(new)
    if [a.name for a in left] != [b.name for b in right] or left_skipped != right_skipped:
        return "the files (names, order) or the skipped areas differ"
    for a, b in zip(left, right, strict=True):
        if (a.media_type, dict(a.meta)) != (b.media_type, dict(b.meta)):
            return f"{a.name}: media type or meta differ"
        if content(a.data, a.name) != content(b.data, b.name):
            return f"{a.name}: content differs"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--products", help="comma-separated (default: every common file)")
    args = parser.parse_args()
    if args.products:
        names = args.products.split(",")
    else:
        names = sorted(
            {p.stem for p in args.before.glob("*.nc")} & {p.stem for p in args.after.glob("*.nc")}
        )
    failed = 0
    for name in names:
        with (
            xr.open_dataset(args.before / f"{name}.nc") as old,
            xr.open_dataset(args.after / f"{name}.nc") as new,
        ):
            if name in PACKED:
                differs = same_files(old.load(), new.load())
                if differs:
                    failed += 1
                    print(f"{name}: DIFFERENT\n{differs}", flush=True)
                else:
                    print(f"{name}: the same files (PDFs but for their creation time)", flush=True)
                continue
            try:
                xr.testing.assert_identical(comparable(old.load()), comparable(new.load()))
            except AssertionError as err:
                failed += 1
                print(f"{name}: DIFFERENT\n{err}", flush=True)
            else:
                print(f"{name}: identical (every attr but {', '.join(IGNORED_ATTRS)})", flush=True)
    if not names:
        print("no datasets to compare", flush=True)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
