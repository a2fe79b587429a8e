"""The monthly review published with every release (store attachments), served by the API.

Reference values are the snapshot's TA23 registers (tyonv 12r5, statfin-2026: 3 675
unemployed in 2026-06); the release here is built from a one-product registry that restricts
the staged registers cube to the release's areas, as the real ``registers_history`` does.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import release as flow
from forecasting import release
from forecasting.io.inputs import Inputs
from forecasting.io.release_store import ReleaseStore
from forecasting.io.release_work import WorkArea
from forecasting.release import BuildContext, Product
from forecasting.release.attachments import review_attachments, review_name

NBSP = "\xa0"


def _history(ctx: BuildContext, inputs: Mapping[str, xr.Dataset], cubes: Inputs) -> xr.Dataset:
    return cubes["registers"].sel(area=list(ctx.areas))


HISTORY = Product(
    name="registers_history", stage="ingest", requires=(), cubes=("registers",), build=_history
)


@pytest.fixture(scope="module")
def built(cubes, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reviews")
    munis, areas = release.scope_areas("area", "TA23")
    ctx = BuildContext(
        scope="area", area="TA23", seed=1, municipalities=munis, areas=areas,
        cube_versions=(("occupations", "o1"), ("registers", "r1")),
        data_through=(("occupations", "2026-06"), ("registers", "2026-06")),
        code_version="c1", code_fingerprint="f1", work_dir=str(tmp / "work"),
    )  # fmt: skip
    work = WorkArea(ctx.work_dir)
    work.save("input-registers-r1", cubes["registers"].sel(area=list(areas)))
    occupations = cubes["occupations"]
    keep = [a for a in ("MK10", "SSS") if a in set(map(str, occupations["area"].values))]
    work.save("input-occupations-o1", occupations.sel(area=keep))
    refs = {"registers_history": release.run_step(ctx, HISTORY, {})}
    return ctx, refs, str(tmp / "store")


def test_the_release_holds_the_review_of_its_area_in_fi_sv_en_pdf_html(built) -> None:
    from pypdf import PdfReader

    ctx, refs, root = built
    info = flow.publish.fn(ctx, refs, {}, root, {})
    opened = ReleaseStore(root).open(info.id)
    names = sorted(a["name"] for a in opened.attachments())
    assert names == sorted(review_name("TA23", lang, fmt)
                           for lang in ("fi", "sv", "en") for fmt in ("pdf", "html"))  # fmt: skip
    assert opened.verify() == []  # the content-hash check (/healthz) covers them
    entry = opened.find_attachment(kind="monthly_review", area="TA23", lang="fi", format="pdf")
    assert entry is not None and entry["meta"]["month"] == "2026-06"
    pdf = opened.attachment(entry["name"])
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "3 675" in text.replace(NBSP, " ")
    html = opened.attachment(review_name("TA23", "en", "html")).decode()
    assert "3,675" in html and "Labour market review" in html
    # the Swedish review is the same review, occupations and all, in Swedish
    sv = opened.attachment(review_name("TA23", "sv", "html")).decode()
    assert "Arbetsmarknadsöversikt" in sv and "3\N{NO-BREAK SPACE}675" in sv.replace(" ", NBSP)
    assert "Yrkesgrupp" in sv and "Ammattiryhmä" not in sv
    assert "attachments_skipped" not in opened.manifest


def test_no_registers_history_no_review(built) -> None:
    ctx, _, _ = built
    assert review_attachments(ctx, {}) == ([], {})


def test_publishing_mails_the_review_to_its_subscribers(built, tmp_path, monkeypatch) -> None:
    """The flow's notify step queues the stored review for a ``monthly_review`` subscriber
    and makes the first attempt (here an SMTP port nobody listens on: a retry, not lost)."""
    from forecasting.alerts import run
    from forecasting.io.alert_db import DeliveryRow, SubscriptionRow, make_engine, session_scope
    from forecasting.io.delivery import Deliverer, SmtpConfig

    ctx, refs, root = built
    info = flow.publish.fn(ctx, refs, {}, root, {})
    engine = make_engine(f"sqlite:///{tmp_path / 'alerts.sqlite'}")
    with session_scope(engine) as session:
        session.add(SubscriptionRow(recipient="board", channel="email", address="b@example.fi",
                                    areas=[], monthly_review=True))  # fmt: skip
    deliverer = Deliverer(engine, smtp=SmtpConfig(host="127.0.0.1", port=9))
    monkeypatch.setattr(run, "deliverer_from_settings", lambda db: deliverer)
    monkeypatch.setattr("forecasting.io.alert_db.make_engine", lambda url: engine)
    assert flow.mail_review.fn(info.id, root) == 1
    assert flow.mail_review.fn(info.id, root) == 0  # once per release and subscriber
    with session_scope(engine) as session:
        (row,) = session.query(DeliveryRow).all()
        assert (row.kind, row.status, row.attempts) == ("review", "pending", 1)
        assert row.payload["attachments"][0]["filename"].endswith("TA23_2026-06_fi.pdf")
        assert "http" not in row.payload["text"]  # no public address configured: no link


def test_the_review_mail_links_to_the_public_address_when_set(built, tmp_path, monkeypatch) -> None:
    """``service.public_base_url`` set: the e-mail links to the API's copy of that release."""
    from forecasting.alerts import run
    from forecasting.io.alert_db import DeliveryRow, SubscriptionRow, make_engine, session_scope
    from forecasting.io.delivery import Deliverer, SmtpConfig
    from forecasting.settings import ServiceSettings, Settings

    ctx, refs, root = built
    info = flow.publish.fn(ctx, refs, {}, root, {})
    engine = make_engine(f"sqlite:///{tmp_path / 'alerts.sqlite'}")
    with session_scope(engine) as session:
        session.add(SubscriptionRow(recipient="board", channel="email", address="b@example.fi",
                                    areas=["TA23"], monthly_review=True))  # fmt: skip
    deliverer = Deliverer(engine, smtp=SmtpConfig(host="127.0.0.1", port=9))
    monkeypatch.setattr(run, "deliverer_from_settings", lambda db: deliverer)
    monkeypatch.setattr("forecasting.io.alert_db.make_engine", lambda url: engine)
    settings = Settings(
        service=ServiceSettings(public_base_url="https://ennakointi.kunta.example/")
    )
    monkeypatch.setattr(flow, "get_settings", lambda: settings)
    assert flow.mail_review.fn(info.id, root) == 1
    with session_scope(engine) as session:
        (row,) = session.query(DeliveryRow).all()
        link = (
            "https://ennakointi.kunta.example/v1/reports/monthly?area=TA23&format=pdf&lang=fi"
            f"&release={info.id}"
        )
        assert row.payload["text"].endswith(f"Verkossa: {link}")


# -- rendered in mapped units (the ``monthly_reviews`` step) ------------------------------------
def _pdf_content(data: bytes) -> bytes:
    """A PDF without the lines naming the moment it was written (fpdf2 stamps the creation
    time and derives the file's /ID from it)."""
    return b"\n".join(
        line for line in data.split(b"\n") if not line.startswith((b"/CreationDate", b"/ID ["))
    )


def _same_content(a: bytes, b: bytes, name: str) -> bool:
    return _pdf_content(a) == _pdf_content(b) if name.endswith(".pdf") else a == b


@pytest.mark.slow  # renders and publishes the review twice (~17 s on a loaded machine)
def test_reviews_rendered_in_units_publish_the_same_files_as_rendered_at_publish(
    built, tmp_path
) -> None:
    """The mapped step (through the work area's netCDF) and the in-publish rendering give the
    same attachments: names, order, media types and meta equal, HTML byte for byte, PDFs
    but for their creation time."""
    import dataclasses

    ctx, refs, _ = built
    ctx = dataclasses.replace(ctx, today="2026-12-07")
    product = dataclasses.replace(
        release.registered()["monthly_reviews"], needs=("registers_history",)
    )
    inputs = {"registers_history": refs["registers_history"]}
    units = product.units(ctx)  # type: ignore[misc]
    assert units == ["TA23"]
    parts = [release.run_unit(ctx, product, u, inputs) for u in units]
    reviews = release.run_combine(ctx, product, parts, inputs)
    assert not reviews.publish
    unit_info, _ = release.publish_release(ctx, {**refs, "monthly_reviews": reviews}, {},
                                           str(tmp_path / "a"))  # fmt: skip
    flow_info, _ = release.publish_release(ctx, refs, {}, str(tmp_path / "b"))
    units_release = ReleaseStore(tmp_path / "a").open(unit_info.id)
    publish_release = ReleaseStore(tmp_path / "b").open(flow_info.id)
    assert units_release.manifest["release_hash"] == publish_release.manifest["release_hash"]
    drop = ("sha256", "bytes")
    got = [{k: v for k, v in e.items() if k not in drop} for e in units_release.attachments()]
    want = [{k: v for k, v in e.items() if k not in drop} for e in publish_release.attachments()]
    assert got == want and len(got) == 6  # fi, sv, en x pdf, html
    for entry in got:
        name = entry["name"]
        assert _same_content(units_release.attachment(name), publish_release.attachment(name), name)
    assert "7.12.2026" in units_release.attachment(review_name("TA23", "en", "html")).decode()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    files=st.lists(st.binary(max_size=300), max_size=5),
    skipped=st.dictionaries(st.sampled_from(["TA01", "TA02"]), st.text(max_size=20), max_size=2),
)
def test_packed_attachments_come_back_unchanged_through_the_work_area(
    tmp_path, files, skipped
) -> None:
    """Any bytes (none, empty files, NULs) and left-out areas survive pack -> netCDF ->
    unpack, and joining packs keeps their order."""
    from forecasting.io.release_store import Attachment
    from forecasting.release.attachments import join_packed, pack_attachments, unpack_attachments

    attachments = [
        Attachment(f"f{i}.pdf", data, "application/pdf", {"kind": "monthly_review", "i": i})
        for i, data in enumerate(files)
    ]
    work = WorkArea(tmp_path / "packs")
    work.save("pack", pack_attachments(attachments, skipped))
    assert unpack_attachments(work.load("pack")) == (attachments, skipped)
    joined = join_packed([pack_attachments(attachments[:2], {}), work.load("pack")])
    assert unpack_attachments(joined) == (attachments[:2] + attachments, skipped)


def test_the_reviews_step_key_follows_the_build_date(built) -> None:
    import dataclasses

    ctx, _, _ = built
    product = release.registered()["monthly_reviews"]
    day = dataclasses.replace(ctx, today="2026-12-07")
    next_day = dataclasses.replace(ctx, today="2026-12-08")
    assert release.step_key(day, product, "TA23") != release.step_key(next_day, product, "TA23")
    history = release.registered()["registers_history"]
    assert release.step_key(day, history) == release.step_key(next_day, history)
