"""The dashboard's words in Finnish, Swedish and English (one flat table per language)."""

from __future__ import annotations

from functools import cache
from typing import Literal

from forecasting.alerts.registry import SEVERITY_WORDS
from service.i18n_products import product_texts

UiLang = Literal["fi", "sv", "en"]
UI_LANGS: tuple[str, ...] = ("fi", "sv", "en")
#: Each language named in itself (the language links of every page).
LANG_NAMES = {"fi": "Suomeksi", "sv": "På svenska", "en": "In English"}


def severity_words(lang: str) -> dict[str, str]:
    """``{"info": "tiedote", ...}``: the alerts' one word per severity
    (:data:`forecasting.alerts.registry.SEVERITY_WORDS`), as the pages' keys."""
    return {name: words[lang] for name, words in SEVERITY_WORDS.items()}


TEXT: dict[str, dict[str, str]] = {
    "fi": {
        "app": "Ennakointi",
        "tagline": "Työmarkkinoiden ennakointi – {area}",
        "skip": "Siirry sisältöön",
        "nav": "Päävalikko",
        "home": "Yleiskuva",
        "forecasts": "Ennusteet",
        "alerts": "Hälytykset",
        "scenarios": "Skenaariot",
        "training": "Koulutustarpeet",
        "review": "Työmarkkinakatsaus (PDF)",
        "language": "In English",
        "release": "Julkaisu",
        "no_release": "Yhtään julkaisua ei ole vielä tehty.",
        "source": "Lähde: Tilastokeskus ja KEHA-keskus, StatFin; lisenssi CC BY 4.0.",
        "area": "Alue",
        "variable": "Muuttuja",
        "show": "Näytä",
        "unemployed": "Työttömät työnhakijat",
        "vacancies": "Avoimet työpaikat",
        "labour_force": "Työvoima",
        "history": "Toteutunut",
        "today_marker": "Tänään {day}",
        "forecast": "Ennuste (keskiarvo)",
        "median": "Mediaani",
        "band": "{p} %:n väli",
        "month": "Kuukausi",
        "value": "Arvo",
        "mean": "Keskiarvo",
        "vs_baseline": "Muutos perusuraan verrattuna",
        "table": "Luvut taulukkona",
        "latest": "Viimeisin havainto",
        "persons": "henkeä",
        "not_in_release": "Tätä tuotetta ei ole tässä julkaisussa",
        "fan_desc": "{variable}, {area}: toteutunut {start}–{end} ja ennuste {fstart}–{fend} "
        "{inner} %:n ja {outer} %:n väleineen.",
        "severity": "Vakavuus",
        "state": "Tila",
        "rule": "Sääntö",
        "explanation": "Selitys",
        "numbers": "Luvut",
        "contributions": "Osatekijät",
        "events": "Tapahtumat",
        "no_alerts": "Ei hälytyksiä.",
        "alerts_unavailable": "Hälytysrekisteri ei ole käytettävissä",
        **severity_words("fi"),
        "pending": "odottaa vahvistusta",
        "firing": "voimassa",
        "resolved": "päättynyt",
        "first_seen": "Havaittu ensin",
        "open_chart": "Avaa kuvaaja",
        "filter_alerts": "Rajaa hälytyksiä",
        "scenario_form": "Uusi skenaario",
        "kind": "Tapahtuma",
        "closure": "Toimipaikan sulkeminen",
        "dismissal": "Irtisanomiset",
        "temporary_layoff": "Lomautukset",
        "recruitment": "Rekrytointi",
        "municipality": "Kunta",
        "industry": "Toimiala",
        "jobs": "Työpaikkoja",
        "start": "Alkukuukausi",
        "draws": "Simulointikierroksia",
        "draws_n": "{n} simulointikierrosta",
        "rate": "Työttömyysaste, %",
        # the rate beside a figure that carries its own "%" (11,2 %): the unit said once
        "rate_name": "Työttömyysaste",
        "run": "Laske",
        "scenario_result": "Skenaarion tulos",
        "scenario_median": "Skenaario (mediaani)",
        "scenario_unavailable": "Skenaariomoottori ei ole käytettävissä tässä asennuksessa.",
        "scenario_busy": "Laskentajono on täynnä. Yritä uudelleen {n} sekunnin kuluttua.",
        "scenario_start_form": (
            "Alkukuukausi {value} ei ole kuukausi muodossa VVVV-KK (esim. 2026-09)."
        ),
        "scenario_start_hint": (
            "Viimeisin havaittu kuukausi on {observed}. Alkukuukautta edeltävät kuukaudet "
            "seuraavat perusuraa."
        ),
        "presets": "Valmiit skenaariot",
        "scenario_table": (
            "Työttömät työnhakijat vuosittain, henkeä: skenaarion mediaani ja 90 %:n "
            "vaihteluväli arvonnoista, perusura ja muutos perusuraan (mediaani)"
        ),
        "scenario_with_baseline": "; yhtenäinen viiva: perusura ilman tapahtumaa",
        "scenario_spring_later": "Kevät {first}–{last}/{year}",
        "scenario_range_note": (
            "Skenaarion 90 %:n väli kuvaa vain simuloinnin hajontaa perusuran ympärillä; "
            "perusuran oma epävarmuus, ennusteen 80 %:n väli, on paljon leveämpi:"
        ),
        "scenario_spring_caption": (
            "Työttömät työnhakijat kuukausittain, henkeä: skenaarion mediaani ja 90 %:n "
            "vaihteluväli arvonnoista, perusura ja muutos perusuraan (mediaani)"
        ),
        "scenario_services": (
            "Työllisyyspalvelut, {area}: asiakkaita asiantuntijaa kohden skenaariossa "
            "(mediaani ja 90 %:n vaihteluväli arvonnoista)"
        ),
        "scenario_services_needed": (
            "Työllisyyspalvelut, {area}: asiantuntijoita tarvittaisiin skenaariossa, kun "
            "asiakkaita on {high} asiantuntijaa kohden (mediaani)"
        ),
        "scenario_clients_per_expert": "Asiakkaita asiantuntijaa kohden",
        "scenario_experts_needed": "Asiantuntijoita, {high} asiakasta kohden",
        "scenario_services_note": (
            "Asiakkaat ovat kaikki rekisteröidyt työnhakijat, eivät vain työttömät. "
            "Laskettu {experts} asiakastyötä tekevällä asiantuntijalla "
            "(henkilöstötaulukon oletus); tavoite on {low}–{high} asiakasta asiantuntijaa "
            "kohden."
        ),
        "scenario_services_unknown": (
            "Alueelle {area} ei ole tietoa asiakastyötä tekevien asiantuntijoiden määrästä, "
            "joten asiakasmäärää asiantuntijaa kohden ei lasketa; tavoite on {low}–{high} "
            "asiakasta asiantuntijaa kohden."
        ),
        "scenario_peak": "Suurin muutos perusuraan verrattuna (työttömiä, mediaani)",
        "baseline": "Perusura",
        "change": "Muutos",
        "scenario_file": "skenaarion tulos",
        "scenario_range": "90 %:n väli",
        "year": "Vuosi",
        "field": "Koulutusala",
        "level": "Koulutusaste",
        "need": "Koulutustarve",
        "need_path_desc": "Uusien tulijoiden tarve vuosittain koulutusasteittain, 80 %:n välein; "
        "negatiivinen tarve on ylitarjontaa.",
        "need_path_chart_desc": "Uusien tulijoiden tarve vuosittain, kaikki koulutusasteet "
        "yhteensä, 80 %:n välein; negatiivinen tarve on ylitarjontaa.",
        "level_vocational": "Ammatillinen",
        "level_applied_sciences": "AMK",
        "level_university": "Yliopisto",
        "training_desc": "Koulutustarve koulutusaloittain vuonna {year}, {area}: aloitukset "
        "(laajennus- ja poistumakysyntä) miinus työttömien tarjonta.",
        "with_intervals": " Viivat ovat 80 %:n välejä.",
        "levels_summed": " Koulutusasteet on laskettu yhteen; välit asteittain ovat API:ssa.",
        "all": "Kaikki",
        "elapsed": "Laskenta-aika",
        "seconds": "s",
        "download": "Lataa",
        "csv_fi": "CSV (Excel)",
        "xlsx": "Excel-työkirja",
        "all_rows": "kaikki rivit",
        "data_date": "Tietojen ajankohta",
        "stale": "Tiedot voivat olla vanhentuneita; uudempia odotettiin viimeistään {date}.",
        "stale_many": "Tiedot voivat olla vanhentuneita; uudempia odotettiin viimeistään:",
        "src_registers": "työnvälitystilasto",
        "src_population_change": "väestönmuutokset",
        "src_education_levels": "koulutusrakenne",
        "src_commuting": "työssäkäynti",
        "src_occupations": "ammattiryhmät",
        "scenario_training": "Koulutustarpeen muutos",
        "scenario_training_caption": "Uusien tulijoiden tarve tutkinnoittain ja koulutusaloittain "
        "(henkilöä; negatiivinen on ylitarjontaa)",
        "qualification": "Tutkinto tai koulutusala",
        "new_entrants": "Tarvitaan uusia tulijoita",
        "covered_by_supply": "josta paikallinen tarjonta kattaa",
        "net_need": "Koulutustarve",
        "training_change_file": "koulutustarpeen muutos",
        "training_qualifications_file": "tutkinnot",
        "method": "Menetelmä",
        "gap_note": "Katkos viivassa: nämä kuukaudet puuttuvat aineistosta: {months}.",
        "unknown_area_shown": "Aluetta {asked} ei tunneta; näytetään {shown}.",
        "area_outside_release": "{name} ({code}) ei ole mukana tässä julkaisussa; valitse alue "
        "listasta.",
        "interval_note": (
            "Miten varma ennuste on: mallin mukaan toteutuva luku osuu {inner} %:n väliin "
            "{inner} kertaa sadasta ja {outer} %:n väliin {outer} kertaa sadasta. Väli "
            "levenee, mitä pidemmälle ennuste ulottuu."
        ),
        "spring_title": "Ensi kevät {first}–{last}/{year}",
        "spring_lead": (
            "{variable}, {area}: ennusteen keskiarvo kuukausittain ja {inner} %:n väli, "
            "johon toteutuva luku osuu {inner} kertaa sadasta."
        ),
        "country_note": (
            "Koko maan luku on kuntien lukujen summa. Tilastokeskuksen julkaisema koko maan "
            "luku on suurempi: siihen lasketaan myös työnhakijat ja avoimet työpaikat, joilla "
            "ei ole kuntaa (tuntematon kunta, useaan kuntaan ilmoitetut avoimet työpaikat)."
        ),
    },
    "en": {
        "app": "Ennakointi",
        "tagline": "Labour-market foresight – {area}",
        "skip": "Skip to content",
        "nav": "Main menu",
        "home": "Overview",
        "forecasts": "Forecasts",
        "alerts": "Alerts",
        "scenarios": "Scenarios",
        "training": "Training needs",
        "review": "Labour market review (PDF)",
        "language": "Suomeksi",
        "release": "Release",
        "no_release": "No release has been published yet.",
        "source": "Source: Statistics Finland and the KEHA Centre, StatFin; licence CC BY 4.0.",
        "area": "Area",
        "variable": "Variable",
        "show": "Show",
        "unemployed": "Unemployed jobseekers",
        "vacancies": "Open vacancies",
        "labour_force": "Labour force",
        "history": "Observed",
        "today_marker": "Today {day}",
        "forecast": "Forecast (mean)",
        "median": "Median",
        "band": "{p}% interval",
        "month": "Month",
        "value": "Value",
        "mean": "Mean",
        "vs_baseline": "Change against the baseline",
        "table": "The numbers as a table",
        "latest": "Latest observation",
        "persons": "persons",
        "not_in_release": "This product is not in this release",
        "fan_desc": "{variable}, {area}: observed {start}–{end} and forecast {fstart}–{fend} "
        "with {inner}% and {outer}% intervals.",
        "severity": "Severity",
        "state": "State",
        "rule": "Rule",
        "explanation": "Explanation",
        "numbers": "Numbers",
        "contributions": "Contributions",
        "events": "Events",
        "no_alerts": "No alerts.",
        "alerts_unavailable": "The alert register is not available",
        **severity_words("en"),
        "pending": "awaiting confirmation",
        "firing": "active",
        "resolved": "resolved",
        "first_seen": "First seen",
        "open_chart": "Open the chart",
        "filter_alerts": "Filter alerts",
        "scenario_form": "New scenario",
        "kind": "Event",
        "closure": "Closure",
        "dismissal": "Dismissals",
        "temporary_layoff": "Temporary layoffs",
        "recruitment": "Recruitment",
        "municipality": "Municipality",
        "industry": "Industry",
        "jobs": "Jobs",
        "start": "First month",
        "draws": "Simulation draws",
        "draws_n": "{n} draws",
        "rate": "Unemployment rate, %",
        "rate_name": "Unemployment rate",
        "run": "Run",
        "scenario_result": "Scenario result",
        "scenario_median": "Scenario (median)",
        "scenario_unavailable": "The scenario engine is not available in this installation.",
        "scenario_busy": "The run queue is full. Please try again in {n} seconds.",
        "scenario_start_form": "The start month {value} is not a month YYYY-MM (e.g. 2026-09).",
        "scenario_start_hint": (
            "The latest observed month is {observed}. The months before the first month follow "
            "the baseline."
        ),
        "presets": "Preset scenarios",
        "scenario_table": (
            "Unemployed jobseekers by year, persons: the scenario's median and 90% range "
            "over draws, the baseline and the change against the baseline (median)"
        ),
        "scenario_with_baseline": "; solid line: the baseline without the event",
        "scenario_spring_later": "Spring {first}–{last}/{year}",
        "scenario_range_note": (
            "The scenario's 90% range is the simulation's spread around the baseline only; "
            "the baseline's own uncertainty, the forecast's 80% interval, is much wider:"
        ),
        "scenario_spring_caption": (
            "Unemployed jobseekers by month, persons: the scenario's median and 90% range "
            "over draws, the baseline and the change against the baseline (median)"
        ),
        "scenario_services": (
            "Employment services, {area}: clients per expert in the scenario (median and "
            "90% range over draws)"
        ),
        "scenario_services_needed": (
            "Employment services, {area}: experts the scenario would need at {high} clients "
            "per expert (median)"
        ),
        "scenario_clients_per_expert": "Clients per expert",
        "scenario_experts_needed": "Experts at {high} clients each",
        "scenario_services_note": (
            "Clients are all registered jobseekers, not only the unemployed. Computed "
            "with {experts} client-facing experts (the staffing "
            "table's assumption); the target is {low}–{high} clients per expert."
        ),
        "scenario_services_unknown": (
            "There is no figure for the client-facing experts of {area}, so clients per "
            "expert are not computed; the target is {low}–{high} clients per expert."
        ),
        "scenario_peak": "Largest change against the baseline (unemployed, median)",
        "baseline": "Baseline",
        "change": "Change",
        "scenario_file": "scenario result",
        "scenario_range": "90% range",
        "year": "Year",
        "field": "Field of education",
        "level": "Level of education",
        "need": "Training need",
        "need_path_desc": "New entrants needed per year by level, with 80% intervals; a "
        "negative need is a surplus.",
        "need_path_chart_desc": "New entrants needed per year, all levels together, with 80% "
        "intervals; a negative need is a surplus.",
        "level_vocational": "Vocational",
        "level_applied_sciences": "UAS",
        "level_university": "University",
        "training_desc": "Training need by field of education in {year}, {area}: openings "
        "(expansion and replacement demand) minus supply from the unemployed.",
        "with_intervals": " Lines are 80% intervals.",
        "levels_summed": " Levels of education are summed; intervals per level are in the API.",
        "all": "All",
        "elapsed": "Compute time",
        "seconds": "s",
        "download": "Download",
        "csv_fi": "CSV (Excel)",
        "xlsx": "Excel workbook",
        "all_rows": "all rows",
        "data_date": "Data as of",
        "stale": "The data may be out of date; newer data was expected by {date}.",
        "stale_many": "The data may be out of date; newer data was expected by:",
        "src_registers": "employment service statistics",
        "src_population_change": "population change",
        "src_education_levels": "educational structure",
        "src_commuting": "commuting",
        "src_occupations": "occupational groups",
        "scenario_training": "Change in training need",
        "scenario_training_caption": "New entrants needed by qualification and field of "
        "education (persons; negative is a surplus)",
        "qualification": "Qualification or field",
        "new_entrants": "New entrants needed",
        "covered_by_supply": "of which covered by local supply",
        "net_need": "Training need",
        "training_change_file": "training-need change",
        "training_qualifications_file": "qualifications",
        "method": "Method",
        "gap_note": "A break in a line: these months are missing from the data: {months}.",
        "unknown_area_shown": "Unknown area {asked}; showing {shown}.",
        "area_outside_release": "{name} ({code}) is not in this release; choose an area from "
        "the list.",
        "interval_note": (
            "How sure the forecast is: by the model, the actual figure falls within the "
            "{inner}% interval {inner} times in 100 and within the {outer}% interval "
            "{outer} times in 100. The interval widens the further ahead the month."
        ),
        "spring_title": "Next spring {first}–{last}/{year}",
        "spring_lead": (
            "{variable}, {area}: the forecast's mean by month and the {inner}% interval, "
            "which the actual figure falls within {inner} times in 100."
        ),
        "country_note": (
            "The whole country is the sum of its municipalities. The national figure "
            "Statistics Finland publishes is larger: it also counts jobseekers and vacancies "
            "without a municipality (municipality unknown, vacancies posted for several "
            "municipalities)."
        ),
    },
    "sv": {
        "app": "Ennakointi",
        "tagline": "Arbetsmarknadsprognoser – {area}",
        "skip": "Hoppa till innehållet",
        "nav": "Huvudmeny",
        "home": "Översikt",
        "forecasts": "Prognoser",
        "alerts": "Varningar",
        "scenarios": "Scenarier",
        "training": "Utbildningsbehov",
        "review": "Arbetsmarknadsöversikt (PDF)",
        "language": "På svenska",
        "release": "Publicering",
        "no_release": "Ingen publicering har gjorts ännu.",
        "source": "Källa: Statistikcentralen och KEHA-centret, StatFin; licens CC BY 4.0.",
        "area": "Område",
        "variable": "Variabel",
        "show": "Visa",
        "unemployed": "Arbetslösa arbetssökande",
        "vacancies": "Lediga arbetsplatser",
        "labour_force": "Arbetskraft",
        "history": "Utfall",
        "today_marker": "I dag {day}",
        "forecast": "Prognos (medelvärde)",
        "median": "Median",
        "band": "{p} %:s intervall",
        "month": "Månad",
        "value": "Värde",
        "mean": "Medelvärde",
        "vs_baseline": "Förändring jämfört med grundbanan",
        "table": "Siffrorna som tabell",
        "latest": "Senaste observation",
        "persons": "personer",
        "not_in_release": "Produkten finns inte i denna publicering",
        "fan_desc": "{variable}, {area}: utfall {start}–{end} och prognos {fstart}–{fend} "
        "med {inner} %:s och {outer} %:s intervall.",
        "severity": "Allvarlighetsgrad",
        "state": "Status",
        "rule": "Regel",
        "explanation": "Förklaring",
        "numbers": "Siffror",
        "contributions": "Faktorer",
        "events": "Händelser",
        "no_alerts": "Inga varningar.",
        "alerts_unavailable": "Varningsregistret är inte tillgängligt",
        **severity_words("sv"),
        "pending": "väntar på bekräftelse",
        "firing": "aktiv",
        "resolved": "avslutad",
        "first_seen": "Först observerad",
        "open_chart": "Öppna diagrammet",
        "filter_alerts": "Filtrera varningar",
        "scenario_form": "Nytt scenario",
        "kind": "Händelse",
        "closure": "Nedläggning av verksamhetsställe",
        "dismissal": "Uppsägningar",
        "temporary_layoff": "Permitteringar",
        "recruitment": "Rekrytering",
        "municipality": "Kommun",
        "industry": "Näringsgren",
        "jobs": "Arbetsplatser",
        "start": "Första månad",
        "draws": "Simuleringsomgångar",
        "draws_n": "{n} simuleringsomgångar",
        "rate": "Arbetslöshetsgrad, %",
        "rate_name": "Arbetslöshetsgrad",
        "run": "Beräkna",
        "scenario_result": "Scenariots resultat",
        "scenario_median": "Scenario (median)",
        "scenario_unavailable": "Scenariomotorn är inte tillgänglig i denna installation.",
        "scenario_busy": "Beräkningskön är full. Försök igen om {n} sekunder.",
        "scenario_start_form": "Startmånaden {value} är inte en månad ÅÅÅÅ-MM (t.ex. 2026-09).",
        "scenario_start_hint": (
            "Den senast observerade månaden är {observed}. Månaderna före den första månaden "
            "följer grundbanan."
        ),
        "presets": "Färdiga scenarier",
        "scenario_table": (
            "Arbetslösa arbetssökande per år, personer: scenariots median och 90 %:s intervall "
            "över dragningar, grundbanan och förändringen mot grundbanan (median)"
        ),
        "scenario_with_baseline": "; heldragen linje: grundbanan utan händelsen",
        "scenario_spring_later": "Våren {first}–{last}/{year}",
        "scenario_range_note": (
            "Scenariots 90 %:s intervall visar bara simuleringens spridning kring grundbanan; "
            "grundbanans egen osäkerhet, prognosens 80 %:s intervall, är mycket bredare:"
        ),
        "scenario_spring_caption": (
            "Arbetslösa arbetssökande per månad, personer: scenariots median och 90 %:s "
            "intervall över dragningar, grundbanan och förändringen mot grundbanan (median)"
        ),
        "scenario_services": (
            "Arbetskraftsservice, {area}: kunder per expert i scenariot (median och 90 %:s "
            "intervall över dragningar)"
        ),
        "scenario_services_needed": (
            "Arbetskraftsservice, {area}: experter som scenariot skulle behöva med {high} "
            "kunder per expert (median)"
        ),
        "scenario_clients_per_expert": "Kunder per expert",
        "scenario_experts_needed": "Experter, {high} kunder var",
        "scenario_services_note": (
            "Kunderna är alla registrerade arbetssökande, inte bara de arbetslösa. "
            "Beräknat med {experts} experter i kundarbete (antagande i "
            "personaltabellen); målet är {low}–{high} kunder per expert."
        ),
        "scenario_services_unknown": (
            "Det finns ingen uppgift om antalet experter i kundarbete för {area}, så kunder "
            "per expert beräknas inte; målet är {low}–{high} kunder per expert."
        ),
        "scenario_peak": "Största förändring jämfört med grundbanan (arbetslösa, median)",
        "baseline": "Grundbana",
        "change": "Förändring",
        "scenario_file": "scenariots resultat",
        "scenario_range": "90 %:s intervall",
        "year": "År",
        "field": "Utbildningsområde",
        "level": "Utbildningsnivå",
        "need": "Utbildningsbehov",
        "need_path_desc": "Behov av nya personer per år och utbildningsnivå, med 80 %:s "
        "intervall; ett negativt behov är ett överutbud.",
        "need_path_chart_desc": "Behov av nya personer per år, alla utbildningsnivåer "
        "sammanlagt, med 80 %:s intervall; ett negativt behov är ett överutbud.",
        "level_vocational": "Yrkesutbildning",
        "level_applied_sciences": "YH",
        "level_university": "Universitet",
        "training_desc": "Utbildningsbehov per utbildningsområde år {year}, {area}: "
        "nyrekryteringsbehov (expansions- och ersättningsefterfrågan) minus utbudet av "
        "arbetslösa.",
        "with_intervals": " Linjerna är 80 %:s intervall.",
        "levels_summed": " Utbildningsnivåerna är summerade; intervallen per nivå finns i API:t.",
        "all": "Alla",
        "elapsed": "Beräkningstid",
        "seconds": "s",
        "download": "Ladda ned",
        "csv_fi": "CSV (Excel)",
        "xlsx": "Excel-arbetsbok",
        "all_rows": "alla rader",
        "data_date": "Uppgifternas tidpunkt",
        "stale": "Uppgifterna kan vara föråldrade; nyare uppgifter väntades senast {date}.",
        "stale_many": "Uppgifterna kan vara föråldrade; nyare uppgifter väntades senast:",
        "src_registers": "arbetsförmedlingsstatistik",
        "src_population_change": "befolkningsförändringar",
        "src_education_levels": "utbildningsstruktur",
        "src_commuting": "pendling",
        "src_occupations": "yrkesgrupper",
        "scenario_training": "Förändring i utbildningsbehovet",
        "scenario_training_caption": "Behov av nya personer per examen och utbildningsområde "
        "(personer; negativt är ett överutbud)",
        "qualification": "Examen eller utbildningsområde",
        "new_entrants": "Behov av nya personer",
        "covered_by_supply": "varav täcks av lokalt utbud",
        "net_need": "Utbildningsbehov",
        "training_change_file": "förändring i utbildningsbehovet",
        "training_qualifications_file": "examina",
        "method": "Metod",
        "gap_note": "Ett avbrott i linjen: dessa månader saknas i uppgifterna: {months}.",
        "unknown_area_shown": "Området {asked} är okänt; {shown} visas.",
        "area_outside_release": "{name} ({code}) ingår inte i denna publicering; välj ett område "
        "i listan.",
        "interval_note": (
            "Hur säker prognosen är: enligt modellen hamnar det faktiska talet inom {inner} "
            "%:s intervall {inner} gånger av 100 och inom {outer} %:s intervall {outer} "
            "gånger av 100. Intervallet vidgas ju längre fram månaden ligger."
        ),
        "spring_title": "Nästa vår {first}–{last}/{year}",
        "spring_lead": (
            "{variable}, {area}: prognosens medelvärde per månad och {inner} %:s intervall, "
            "där det faktiska talet hamnar {inner} gånger av 100."
        ),
        "country_note": (
            "Hela landet är summan av kommunerna. Statistikcentralens tal för hela landet är "
            "större: där räknas också arbetssökande och lediga jobb utan kommun (okänd kommun, "
            "lediga jobb anmälda för flera kommuner)."
        ),
    },
}


def texts(lang: str) -> dict[str, str]:
    """The table of ``lang`` (Finnish for anything but Swedish and English), with the product
    pages' words, source (cube) and register variable names of :mod:`service.i18n_products`."""
    return _texts(lang if lang in TEXT else "fi")


@cache
def _texts(lang: str) -> dict[str, str]:
    return {**product_texts(lang), **TEXT[lang]}
