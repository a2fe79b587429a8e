"""Defects met doing a planner's and an education provider's tasks in a browser on 7.12.2026
(registers to 6/2026, population to 2025), each pinned:

* the training page offered three downloads, each "Lataa, kaikki rivit: CSV (Excel) ·
  Excel-työkirja": nothing told the sum to 2030 from the yearly needs or the chosen year's;
  each now names what it holds;
* the labour page's chart and table were captioned "Työvoiman tarjonta ja eläkkeelle
  siirtyvät vuosittain" (labour supply and retirements by year): the release has no
  retirements, the table gives three variables every five years and the chart the labour
  force alone. Each caption now names what it shows;
* a known area the release lacks (Helsinki, 091, in a release of the Mikkeli region) got
  pages that said nothing (training, labour, jobs) or drew an empty chart captioned
  "toteutunut ––– ja ennuste –––" over the word "None", with download links that answer 404
  (forecasts): each says the area is not in this release;
* the forecasts page wrote the unemployment rate's next spring as "11,7" and "80 %:n väli
  9,7–13,9", bare numbers beside the start page's "11,2 %": the sign is written;
* the change map's legend read "< 0,6", "0,6 – 1,8", levels to a reader: each class bound is
  signed and carries its unit, "+0,6 %-yks.", as the rate map's carry "%";
* ``/docs`` said every response carries its provenance and named no data date; it says
  where the data date is and which refusal kinds to branch on;
* ``/v1/registers/forecasts?variable=foo`` answered "variable ['foo'] not in
  register_forecasts of this release" and nothing about what is: the refusal lists the
  labels the product has (``kind`` ``label_not_in_release``);
* ``/v1/registers/forecasts?from=2040-01`` answered 200 with no rows, as if there were no
  data, for forecasts that end in 2029: a window (or ``year``) wholly outside the product's
  periods is refused with the periods it has;
* ``from=3027-01`` was refused as "not a year YYYY or a month YYYY-MM", which it is: the
  refusal names the years allowed.

Fast: the service on the test release, no browser.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

pytest_plugins = ["tests.service_fixtures"]


def _download_lines(page: str) -> list[tuple[str, list[str]]]:
    """Each download paragraph of ``page``: its words before the links and the links."""
    out = []
    for body in re.findall(r'<p class="downloads">(.*?)</p>', page, re.S):
        words = re.sub(r"\s+", " ", html.unescape(body.split("<a", 1)[0])).strip()
        out.append((words, [html.unescape(u) for u in re.findall(r'href="([^"]+)"', body)]))
    return out


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "fi",
            [
                "Lataa (yhteensä {first}–2030), kaikki rivit:",
                "Lataa (vuosittain {first}–{last}, koulutusasteittain), kaikki rivit:",
                "Lataa (vuosi 2030, koulutusasteittain), kaikki rivit:",
            ],
        ),
        (
            "en",
            [
                "Download (in total {first}–2030), all rows:",
                "Download (by year {first}–{last}, by level), all rows:",
                "Download (year 2030, by level), all rows:",
            ],
        ),
    ],
)
def test_the_training_pages_three_downloads_say_what_each_holds(web: Any, lang, expected):
    from service import views

    context = web.app.state.context
    cube = context.releases.dataset(context.releases.open(), "training_needs")
    years = views.training_years(cube)
    page = web.get("/training", params={"lang": lang, "year": 2030}).text
    lines = _download_lines(page)
    words = [w for w, _ in lines]
    assert words == [e.format(first=years[0], last=years[-1]) for e in expected]
    # and each names the right file: the sum, all years, the one year
    urls = [links[1] for _, links in lines]
    assert "/cumulative?" in urls[0] and "until=2030" in urls[0]
    assert "/cumulative" not in urls[1] and "year=" not in urls[1]
    assert "year=2030" in urls[2]
    assert len(set(words)) == 3


def test_the_labour_captions_name_what_is_shown(web: Any):
    page = web.get("/labour", params={"lang": "fi"}).text
    table = re.search(r'<table id="labour-table">\s*<caption>(.*?)</caption>', page, re.S)
    assert table is not None
    body = page.split('id="labour-table"')[1].split("</table>")[0]
    heads = re.findall(r'<th scope="col" class="num">(.*?)</th>', body)
    years = re.findall(r'<tr><th scope="row">(\d{4})</th>', body)
    caption = html.unescape(table.group(1))
    assert "eläkkeelle" not in caption and "vuosittain" not in caption
    # every column heading and every year of the table is named, and nothing else
    named = [heads[0], *(h[:1].lower() + h[1:] for h in heads[1:])]
    assert caption.startswith(", ".join(named[:-1]) + " ja " + named[-1] + ": Mikkelin seutu")
    assert caption.endswith(
        f"vuodet {', '.join(years[:-1])} ja {years[-1]}; keskiarvo ja 80 %:n väli."
    )
    figure = re.search(r'<figure id="chart">.*?<figcaption>(.*?)</figcaption>', page, re.S)
    assert figure is not None
    assert html.unescape(figure.group(1)).startswith("Työvoima: Mikkelin seutu, vuodet")


@pytest.mark.parametrize(("lang", "word"), [("sv", "åren"), ("en", "years")])
def test_the_labour_caption_reads_in_the_pages_language(web: Any, lang, word):
    page = web.get("/labour", params={"lang": lang}).text
    found = re.search(r"<figcaption>(.*?)</figcaption>", page, re.S)
    assert found is not None
    caption = html.unescape(found.group(1))
    assert f", {word} " in caption and "retire" not in caption and "pension" not in caption


NOT_HERE = "Helsinki (091) ei ole mukana tässä julkaisussa; valitse alue listasta."


@pytest.mark.parametrize(
    "page", ["/forecasts", "/training", "/labour", "/jobs", "/population", "/groups", "/map"]
)
def test_an_area_the_release_lacks_is_named_as_such(web: Any, page):
    body = web.get(page, params={"area": "091", "lang": "fi"}).text
    notice = re.findall(r'<p class="notice" role="status">(.*?)</p>', body, re.S)
    expected = NOT_HERE
    if page == "/map":  # the map shows the employment area of 091
        from forecasting import geography
        from service.labels import area_name

        code = geography.employment_area_of("091")
        expected = NOT_HERE.replace("Helsinki (091)", f"{area_name(code, 'fi')} ({code})")
    assert expected in [html.unescape(n).strip() for n in notice], notice
    assert "None" not in re.sub(r"<[^>]+>", " ", body)
    # no link to a download of the area (it would answer 404)
    assert not re.search(r'href="/v1/[^"]*area=091', body)


def test_an_area_of_the_release_gets_no_such_notice(web: Any):
    for page in ("/forecasts", "/training", "/labour", "/map"):
        body = web.get(page, params={"area": "491", "lang": "fi"}).text
        assert "ei ole mukana tässä julkaisussa" not in body, page


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("sv", "Helsingfors (091) ingår inte i denna publicering"),
        ("en", "Helsinki (091) is not in"),
    ],
)
def test_the_outside_notice_reads_in_the_pages_language(web: Any, lang, words):
    assert words in web.get("/forecasts", params={"area": "091", "lang": lang}).text


# -- the API as an integrator meets it -------------------------------------------------------------


def test_a_label_the_product_lacks_is_refused_with_the_labels_it_has(web: Any):
    answer = web.get("/v1/registers/forecasts", params={"area": "491", "variable": "foo"})
    assert answer.status_code == 404
    problem = answer.json()
    assert problem["kind"] == "label_not_in_release"
    have = problem["values"]["have"]
    assert "unemployed" in have and problem["values"]["missing"] == ["foo"]
    assert problem["values"]["dim"] == "variable" and problem["values"]["count"] == len(have)
    assert problem["detail"].endswith("it has: " + ", ".join(have))


def test_an_area_outside_the_release_points_to_the_area_list_when_there_are_many():
    from service.cubes import LABELS_LISTED, not_in_release

    codes = [f"{i:03d}" for i in range(1, 310)]
    exc = not_in_release("area", ["091"], "registers_history", codes)
    assert str(exc).endswith(f"... ({len(codes)} in all; /v1/areas)")
    assert exc.values["have"] == codes[:LABELS_LISTED] and exc.values["count"] == len(codes)
    few = not_in_release("industry", ["Z"], "jobs_by_industry", ["A", "B"])
    assert str(few) == "industry ['Z'] not in jobs_by_industry of this release; it has: A, B"


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "of the years 1900–2199"),
        ("fi", "vuosilta 1900–2199"),
        ("sv", "under åren 1900–2199"),
    ],
)
def test_a_month_of_the_right_form_but_an_absurd_year_is_told_the_years(web: Any, lang, words):
    """``from=3027-01`` is of the form YYYY-MM; the refusal said it was not."""
    from service.errors import request_errors_text

    answer = web.get("/v1/registers/forecasts", params={"from": "3027-01"})
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["kind"] == "malformed" and problem["values"]["form"] == "year_or_month"
    if lang == "en":
        assert words in problem["detail"]
    else:
        error = {
            "loc": ("query", "from"),
            "type": "string_pattern_mismatch",
            "input": "3027-01",
            "ctx": {"pattern": r"^(19|20|21)\d{2}(-(0[1-9]|1[0-2]))?$"},
            "msg": "x",
        }
        assert words in request_errors_text([error], lang)


def _forecast_months(web: Any) -> tuple[str, str]:
    context = web.app.state.context
    cube = context.releases.dataset(context.releases.open(), "register_forecasts")
    times = cube.indexes["time"]
    return times.min().strftime("%Y-%m"), times.max().strftime("%Y-%m")


@pytest.mark.parametrize(
    ("params", "field"),
    [({"from": "2040-01", "to": "2041-01"}, "from"), ({"from": "2001", "to": "2001-12"}, "to")],
)
def test_a_window_outside_the_products_months_says_what_there_is(web: Any, params, field):
    first, last = _forecast_months(web)
    answer = web.get("/v1/registers/forecasts", params={"area": "491", **params})
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["kind"] == "outside_time_span"
    assert problem["values"] == {"first": first, "last": last}
    assert problem["detail"].startswith(f"{field}: ")
    assert problem["detail"].endswith(f"it covers {first} to {last}")


def test_a_window_that_overlaps_the_months_is_answered_as_before(web: Any):
    first, last = _forecast_months(web)
    answer = web.get(
        "/v1/registers/forecasts",
        params={"area": "491", "variable": "unemployed", "from": last, "to": "2040-12"},
    )
    assert answer.status_code == 200 and answer.json()["page"]["total"] == 1
    edge = web.get("/v1/registers/forecasts", params={"area": "491", "to": first})
    assert edge.status_code == 200 and edge.json()["page"]["total"] >= 1


def test_a_year_the_yearly_product_lacks_says_its_years(web: Any):
    answer = web.get("/v1/training-needs", params={"year": 2099})
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["kind"] == "outside_time_span"
    assert len(problem["values"]["first"]) == 4 and problem["detail"].startswith("year: 2099")


@pytest.mark.parametrize(("lang", "sign"), [("fi", "\xa0%"), ("sv", "\xa0%"), ("en", "%")])
def test_the_rates_next_spring_is_written_with_its_per_cent_sign(web: Any, lang, sign):
    """The spring cards of the unemployment rate read "11,7" and "9,7–13,9", bare."""
    page = web.get(
        "/forecasts", params={"area": "491", "variable": "unemployment_rate", "lang": lang}
    ).text
    spring = page.split('id="spring"')[1].split("</section>")[0]
    figures = re.findall(r'<span class="figure">(.*?)</span>', spring)
    bands = re.findall(r"</time>: [^<]*?([\d,.\u2212–\xa0 ]+%?)</span>", spring)
    assert figures and all(html.unescape(f).endswith(sign) for f in figures), figures
    assert len(bands) == len(figures) and all(b.endswith(sign) for b in bands), bands
    cells = re.findall(r'<td class="num">(.*?)</td>', page.split("<tbody>")[1])
    assert cells and all(html.unescape(c).endswith(sign) for c in cells if c != "–")


def test_a_count_next_spring_has_no_per_cent_sign(web: Any):
    page = web.get("/forecasts", params={"area": "491", "lang": "fi"}).text
    spring = page.split('id="spring"')[1].split("</section>")[0]
    assert "%</span>" not in spring.replace("80 %:n", "")


def test_the_api_documentation_says_where_the_data_date_is(web: Any):
    description = web.get("/openapi.json").json()["info"]["description"]
    assert "data_through" in description and "X-Data-Through" in description
    assert "outside_time_span" in description and "label_not_in_release" in description


@pytest.mark.parametrize(("lang", "unit"), [("fi", "%-yks."), ("sv", "%-enh."), ("en", "pp")])
def test_the_change_maps_legend_gives_its_unit(web: Any, lang, unit):
    """The classes of the change map read "< 0,6", "0,6 – 1,8": levels, to a reader."""
    page = web.get("/map", params={"show": "change", "lang": lang}).text
    svg = re.search(r"<svg.*?</svg>", page, re.S)
    assert svg is not None
    texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg.group(0))]
    classes = [t for t in texts if t.startswith(("<", "≥")) or " – " in t]
    assert classes, texts
    assert all(t.endswith(f"\xa0{unit}") for t in classes), classes
    assert any("+" in t for t in classes)  # a change is signed
    rate = web.get("/map", params={"lang": lang}).text
    assert f"\xa0{unit}" not in html.unescape(rate)
