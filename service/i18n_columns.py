# ruff: noqa: E501  (a table of words: one entry a line reads best)
"""Column headings of the downloads (CSV for Finnish Excel, XLSX) in Finnish, Swedish and
English.

The API's JSON and ``format=csv`` keep the column names (``need_cumulative``,
``field_name``), which scripts rely on; a spreadsheet is read by people, so its header row
says "Koulutustarve kertymänä" and "Koulutusala" (:func:`column_label`), and an XLSX
workbook lists every heading beside its API name on the sheet ``columns``.

Headings are built from :data:`COLUMNS` and the register variables' names
(:data:`service.i18n_products.VARIABLES`): ``<dim>_name`` is the dimension's heading and the
code column beside it says "code"; ``<variable>_status`` is the variable's heading with
"status". A column with no heading keeps its name (tests/test_download_headers.py walks
every download route of a test release and fails on one).
"""

from __future__ import annotations

from service.i18n_products import TABLE_LANGS as _LANGS
from service.i18n_products import VARIABLES, WORDS

#: Column name -> (fi, sv, en).
COLUMNS = {
    # dimensions and identifiers
    "area": ("Alue", "Område", "Area"),
    "municipality": ("Kunta", "Kommun", "Municipality"),
    "time": ("Aika", "Tid", "Time"),
    "age": ("Ikä", "Ålder", "Age"),
    "age_band": ("Ikäryhmä", "Åldersgrupp", "Age group"),
    "sex": ("Sukupuoli", "Kön", "Sex"),
    "field": ("Koulutusala", "Utbildningsområde", "Field of education"),
    "training_field": ("Koulutusala", "Utbildningsområde", "Field of education"),
    "level": ("Koulutusaste", "Utbildningsnivå", "Level of education"),
    "training_level": ("Koulutusaste", "Utbildningsnivå", "Level of education"),
    "industry": ("Toimiala", "Näringsgren", "Industry"),
    "occupation": ("Ammattiryhmä", "Yrkesgrupp", "Occupation group"),
    "receiving_area": ("Vaikutusalue", "Påverkat område", "Affected area"),
    "scenario": ("Skenaario", "Scenario", "Scenario"),
    "statistic": ("Tunnusluku", "Nyckeltal", "Statistic"),
    "quantile": ("Kvantiili", "Kvantil", "Quantile"),
    "variable": ("Muuttuja", "Variabel", "Variable"),
    "model": ("Malli", "Modell", "Model"),
    "band": ("Ennustehorisontti", "Prognoshorisont", "Forecast horizon"),
    "first_year": ("Ensimmäinen vuosi", "Första året", "First year"),
    "until": ("Viimeinen vuosi", "Sista året", "Last year"),
    # forecast statistics
    "mean": ("Keskiarvo", "Medelvärde", "Mean"),
    "lo80": ("80 %:n välin alaraja", "Nedre gräns för 80 %:s intervall", "80% interval, lower bound"),
    "hi80": ("80 %:n välin yläraja", "Övre gräns för 80 %:s intervall", "80% interval, upper bound"),
    "lo95": ("95 %:n välin alaraja", "Nedre gräns för 95 %:s intervall", "95% interval, lower bound"),
    "hi95": ("95 %:n välin yläraja", "Övre gräns för 95 %:s intervall", "95% interval, upper bound"),
    "interval_method": ("Välin laskentatapa", "Intervallets beräkningssätt", "Interval method"),
    "observed": ("Havaittu", "Observerat", "Observed"),
    "projected": ("Ennuste", "Prognos", "Projected"),
    # accuracy of the register forecasts
    "mase": ("MASE (skaalattu keskivirhe)", "MASE (skalat medelfel)", "MASE (mean absolute scaled error)"),
    "smape": ("sMAPE, %", "sMAPE, %", "sMAPE, %"),
    "coverage80": ("80 %:n välin osumaosuus", "Täckning av 80 %:s intervall", "80% interval coverage"),
    "coverage95": ("95 %:n välin osumaosuus", "Täckning av 95 %:s intervall", "95% interval coverage"),
    "msis80": ("MSIS, 80 %:n väli", "MSIS, 80 %:s intervall", "MSIS, 80% interval"),
    "msis95": ("MSIS, 95 %:n väli", "MSIS, 95 %:s intervall", "MSIS, 95% interval"),
    "scrps": ("Skaalattu CRPS", "Skalad CRPS", "Scaled CRPS"),
    # training needs
    "need": ("Koulutustarve", "Utbildningsbehov", "Training need"),
    "need_by_level": ("Koulutustarve koulutusasteittain", "Utbildningsbehov per utbildningsnivå", "Training need by level"),
    "need_total": ("Koulutustarve yhteensä", "Utbildningsbehov totalt", "Training need, total"),
    "need_cumulative": ("Koulutustarve kertymänä", "Utbildningsbehov kumulativt", "Training need, cumulative"),
    "need_total_cumulative": ("Koulutustarve yhteensä kertymänä", "Utbildningsbehov totalt, kumulativt", "Training need, total, cumulative"),
    "expansion": ("Laajennustarve", "Expansionsbehov", "Expansion demand"),
    "replacement": ("Poistuma (korvaustarve)", "Avgång (ersättningsbehov)", "Replacement demand"),
    "openings": ("Avautuvat työpaikat", "Lediga arbetstillfällen", "Job openings"),
    "supply": ("Tarjonta", "Utbud", "Supply"),
    "replacement_share": ("Korvaustarpeen osuus", "Ersättningsbehovets andel", "Replacement share"),
    "replacement_share_flag": ("Korvaustarpeen osuus: huomautus", "Ersättningsbehovets andel: anmärkning", "Replacement share: note"),
    "training_demand_change": ("Osaajien tarpeen muutos", "Förändring i behovet av arbetskraft", "Change in demand for workers"),
    "training_covered_by_supply": ("Katetaan alueen tarjonnalla", "Täcks av utbudet i området", "Covered by local supply"),
    "training_need_change": ("Koulutustarpeen muutos", "Förändring i utbildningsbehovet", "Change in training need"),
    "qualification": ("Tutkinto", "Examen", "Qualification"),
    "qualification_level": ("Tutkinnon taso", "Examensnivå", "Level of the qualification"),
    "qualification_demand_change": ("Osaajien tarpeen muutos tutkinnoittain", "Förändring i behovet av arbetskraft per examen", "Change in demand for workers by qualification"),
    "qualification_need_change": ("Koulutustarpeen muutos tutkinnoittain", "Förändring i utbildningsbehovet per examen", "Change in training need by qualification"),
    "qualification_demand_by_field": ("Osaajien tarve tutkinnoittain ja koulutusaloittain", "Behovet av arbetskraft per examen och utbildningsområde", "Demand for workers by qualification and field"),
    # jobs, population and labour supply
    "jobs": ("Työpaikat", "Arbetsplatser", "Jobs"),
    "population": ("Väestö", "Befolkning", "Population"),
    "population_total": ("Väkiluku", "Folkmängd", "Population, total"),
    "official": ("Virallinen väestöennuste", "Officiell befolkningsprognos", "Official projection"),
    "official_total": ("Virallinen väestöennuste, väkiluku", "Officiell befolkningsprognos, folkmängd", "Official projection, total"),
    "ours": ("Tämä ennuste", "Denna prognos", "This projection"),
    "ours_total": ("Tämä ennuste, väkiluku", "Denna prognos, folkmängd", "This projection, total"),
    "difference": ("Erotus", "Skillnad", "Difference"),
    "working_age_20_69": ("Työikäiset 20–69-v.", "Personer i arbetsför ålder 20–69 år", "Working age 20–69"),
    "employed_by_age": ("Työlliset iän mukaan", "Sysselsatta efter ålder", "Employed by age"),
    "demographic_dependency_ratio": ("Väestöllinen huoltosuhde", "Demografisk försörjningskvot", "Demographic dependency ratio"),
    "economic_dependency_ratio": ("Taloudellinen huoltosuhde", "Ekonomisk försörjningskvot", "Economic dependency ratio"),
    # jobs and workers balanced
    "employed_residents": ("Työlliset asukkaat", "Sysselsatta invånare", "Employed residents"),
    "net_commuting": ("Nettopendelöinti alueelle", "Nettoinpendling till området", "Net in-commuting"),
    "commuting_share": ("Nettopendelöinti, osuus työpaikoista", "Nettoinpendling, andel av arbetsplatserna", "Net in-commuting, share of jobs"),
    "commuting_share_observed": ("Nettopendelöinti, havaittu osuus työpaikoista", "Nettoinpendling, observerad andel av arbetsplatserna", "Net in-commuting, observed share of jobs"),
    "commuting_departure": ("Osuuden ero havaitusta", "Andelens avvikelse från den observerade", "Share's departure from the observed"),
    "commuting_flag": ("Pendelöinti poikkeaa havaitusta", "Pendlingen avviker från den observerade", "Commuting departs from the observed"),
    "tightness": WORDS["tightness"],
    "tightness_label": WORDS["signal"],
    # scenarios
    "fill_days": ("Täyttöaika, päivää", "Tillsättningstid, dagar", "Time to fill, days"),
    "unemployed_vs_baseline": ("Työttömät, ero perusuraan", "Arbetslösa, skillnad mot grundbanan", "Unemployed, difference from the baseline"),
    "employed_vs_baseline": ("Työlliset, ero perusuraan", "Sysselsatta, skillnad mot grundbanan", "Employed, difference from the baseline"),
    "unemployed_baseline_target": ("Työttömät perusuralla", "Arbetslösa i grundbanan", "Unemployed in the baseline"),
    "displaced": ("Työnsä menettäneet", "De som förlorat arbetet", "Displaced workers"),
    "displaced_by_age_sex": ("Työnsä menettäneet iän ja sukupuolen mukaan", "De som förlorat arbetet efter ålder och kön", "Displaced workers by age and sex"),
    "displaced_reemployed_share": ("Työnsä menettäneistä työllistyneet, osuus", "Andel återanställda av dem som förlorat arbetet", "Displaced workers re-employed, share"),
    "displaced_reemployed_share_by_age": ("Työnsä menettäneistä työllistyneet iän mukaan, osuus", "Andel återanställda efter ålder", "Displaced workers re-employed by age, share"),
    "displaced_unemployed_share": ("Työnsä menettäneistä työttömänä, osuus", "Andel arbetslösa av dem som förlorat arbetet", "Displaced workers unemployed, share"),
    "displaced_exited_share": ("Työnsä menettäneistä työvoiman ulkopuolelle siirtyneet, osuus", "Andel som lämnat arbetskraften av dem som förlorat arbetet", "Displaced workers who left the labour force, share"),
    "displaced_retired_share": ("Työnsä menettäneistä eläkkeelle siirtyneet, osuus", "Andel pensionerade av dem som förlorat arbetet", "Displaced workers retired, share"),
    "displaced_retired_share_by_age": ("Työnsä menettäneistä eläkkeelle siirtyneet iän mukaan, osuus", "Andel pensionerade efter ålder", "Displaced workers retired by age, share"),
    "clients": ("Asiakkaat", "Kunder", "Clients"),
    "clients_per_expert": ("Asiakkaita asiantuntijaa kohden", "Kunder per expert", "Clients per expert"),
    "experts_needed_at_high_target": ("Tarvittavat asiantuntijat, suurempi asiakasmäärä", "Behövda experter, högre kundantal", "Experts needed at the higher caseload"),
    "experts_needed_at_low_target": ("Tarvittavat asiantuntijat, pienempi asiakasmäärä", "Behövda experter, lägre kundantal", "Experts needed at the lower caseload"),
    "share_of_draws_over_target": ("Tavoitteen ylittävien simulaatioiden osuus", "Andel simuleringar över målet", "Share of draws over the target"),
    "retraining_need": ("Uudelleenkoulutuksen tarve", "Behov av omskolning", "Retraining need"),
    "jobs_change_expected": ("Työpaikkojen odotettu muutos", "Väntad förändring i arbetsplatser", "Expected change in jobs"),
    "jobs_change_by_industry": ("Työpaikkojen muutos toimialoittain", "Förändring i arbetsplatser per näringsgren", "Change in jobs by industry"),
    "direct_jobs_change": ("Suora työpaikkamuutos", "Direkt förändring i arbetsplatser", "Direct change in jobs"),
    "secondary_jobs_change": ("Välillinen työpaikkamuutos", "Indirekt förändring i arbetsplatser", "Secondary change in jobs"),
    "spillover_jobs_by_area": ("Vaikutus työpaikkoihin muilla alueilla", "Effekt på arbetsplatser i andra områden", "Spillover to jobs by area"),
    "spillover_outside_share": ("Alueen ulkopuolelle ulottuva osuus", "Andel utanför området", "Share outside the area"),
    "recruitment_filled_by_local_unemployed_share": ("Rekrytoinnista alueen työttömillä täytetty, osuus", "Andel av rekryteringen tillsatt med lokala arbetslösa", "Recruitment filled by local unemployed, share"),
    "recruitment_filled_by_in_commuters_share": ("Rekrytoinnista alueelle pendelöivillä täytetty, osuus", "Andel av rekryteringen tillsatt med inpendlare", "Recruitment filled by in-commuters, share"),
    "recruitment_filled_by_in_migrants_share": ("Rekrytoinnista alueelle muuttavilla täytetty, osuus", "Andel av rekryteringen tillsatt med inflyttare", "Recruitment filled by in-migrants, share"),
    "recruitment_filled_by_other_outside_share": ("Rekrytoinnista muualta täytetty, osuus", "Andel av rekryteringen tillsatt på annat sätt utifrån", "Recruitment filled from elsewhere, share"),
    # alert signals
    "rule": ("Sääntö", "Regel", "Rule"),
    "severity": ("Vakavuus", "Allvarlighetsgrad", "Severity"),
}  # fmt: skip

#: What ``<dim>_name``'s code column and a ``_status`` column add to a heading.
_CODE = ("koodi", "kod", "code")
_STATUS = ("tila", "status", "status")


def _base(name: str, i: int) -> str | None:
    words = COLUMNS.get(name) or VARIABLES.get(name)
    return words[i] if words else None


def column_label(name: str, lang: str, coded: bool = False) -> str:
    """The heading of column ``name`` in ``lang`` (``name`` itself when it has none).

    ``coded``: the column holds codes and a ``<name>_name`` column beside it holds their
    names, so the code column's heading says so ("Koulutusala, koodi").
    """
    i = _LANGS.index(lang) if lang in _LANGS else 0
    if name.endswith("_name") and (label := _base(name.removesuffix("_name"), i)):
        return label
    stem, _, suffix = name.rpartition("_name_")
    if stem and suffix in _LANGS and (label := _base(stem, i)):
        # a name in one language: "Koulutusala (sv)"; in the reader's own, just "Examen"
        return label if suffix == lang else f"{label} ({suffix})"
    if name.endswith("_status") and (label := _base(name.removesuffix("_status"), i)):
        return f"{label}: {_STATUS[i]}"
    label = _base(name, i)
    if label is None:
        return name
    return f"{label}, {_CODE[i]}" if coded else label


#: The ``time`` column's heading by the product's period: a yearly product's is its year,
#: a monthly one's its month, as the pages' tables head them ("Aika" on a population
#: download read as if the rows were dates).
TIME_HEADINGS = {
    "year": ("Vuosi", "År", "Year"),
    "month": ("Kuukausi", "Månad", "Month"),
}


def column_labels(names: list[str], lang: str, period: str | None = None) -> list[str]:
    """The headings of a download's columns (a code column beside its names, or beside its
    names in the reader's language, says "code"); ``period`` (``"year"``, ``"month"``)
    heads the ``time`` column by what its rows are (else "Aika", "Tid", "Time")."""
    present = set(names)
    i = _LANGS.index(lang) if lang in _LANGS else 0
    return [
        TIME_HEADINGS[period][i]
        if n == "time" and period in TIME_HEADINGS
        else column_label(n, lang, coded=bool({f"{n}_name", f"{n}_name_{lang}"} & present))
        for n in names
    ]
