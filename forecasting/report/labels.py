"""The review's words in Finnish, Swedish and English (the committee reads Finnish; Swedish
for the region's Swedish-speaking readers, as the dashboard; English for the steering group's
international members)."""

from __future__ import annotations

from forecasting.alerts.registry import SEVERITY_LEVELS, severity_word

LANGS = ("fi", "sv", "en")


def _severities(lang: str) -> dict[str, str]:
    """``sev_1`` .. ``sev_3``: the alerts' one word per severity, as the dashboard and the
    alert messages write it (:data:`forecasting.alerts.registry.SEVERITY_WORDS`)."""
    return {f"sev_{level}": severity_word(level, lang) for level in SEVERITY_LEVELS.values()}


TEXT: dict[str, dict[str, str]] = {
    "fi": {
        "title": "Työmarkkinakatsaus",
        "subtitle": "Työllisyysjaoston kuukausikatsaus",
        "headline": "Tärkeimmät luvut",
        "groups": "Erityisryhmät",
        "occupations": "Avoimet työpaikat ja työmarkkinoiden kireys ammattiryhmittäin",
        "forecast": "Työttömien ennuste",
        "alerts": "Voimassa olevat hälytykset",
        "scenarios": "Kuukauden skenaariot",
        "sources": "Tietolähteet ja tietojen ajankohta",
        "figure": "Luku",
        "now": "Nyt",
        "previous": "Edellinen kuukausi",
        "year_ago": "Vuotta aiemmin",
        "vs_previous": "Muutos kuukaudessa",
        "vs_year": "Muutos vuodessa",
        "no_data": "ei tietoa",
        "suppressed": "salattu",
        "partial": "vähintään: {n}/{m} kunnan luku salattu",
        "derived": "laskettu: työttömät / työvoima",
        "gap_missing": (
            "Aineistossa ei ole rekisteritietoja kuukausilta {months}: vertailut niihin "
            "näkyvät muodossa \u201cei tietoa\u201d."
        ),
        "gap_missing_one": (
            "Aineistossa ei ole rekisteritietoja kuukaudelta {months}: vertailu siihen näkyy "
            "muodossa \u201cei tietoa\u201d."
        ),
        "gap_suppressed": "Salattu = pieni solu, jota lähde ei julkaise.",
        "gap_partial": (
            "{value} = julkaistujen kuntien summa, kun osa kunnista on salattu: todellinen "
            "luku on vähintään tämä."
        ),
        "and": "ja",
        "occupation": "Ammattiryhmä",
        "unemployed": "Työttömät",
        "vacancies": "Avoimet työpaikat",
        "tightness": "Työpaikkoja / työtön",
        "occupations_note": "{where}, tilanne {month}; ammattiluokitus 2010, 2-numerotaso.",
        "occupations_none": "Ammattiryhmittäisiä tietoja ei ole.",
        "fan_title": "Työttömät: toteutunut ja ennuste",
        "fan_desc": "Toteutuneet työttömät ja ennusteen keskiarvo 80 %:n ja 95 %:n väleineen.",
        "fan_none": "Tälle alueelle ei ole julkaistua ennustetta.",
        "history": "Toteutunut",
        "forecast_line": "Ennuste (keskiarvo)",
        "inner": "80 %:n väli",
        "outer": "95 %:n väli",
        "month": "Kuukausi",
        "mean": "Keskiarvo",
        "no_alerts": "Ei voimassa olevia hälytyksiä.",
        "alerts_left_out_events": (
            "Ilmoitettujen irtisanomisten, lomautusten ja rekrytointien hälytykset eivät ole "
            "katsauksessa: ne arvioidaan tapahtumarekisteristä julkaisun jälkeen. Ne näkyvät "
            "kojelaudan Hälytykset-sivulla."
        ),
        "alerts_left_out_occupations": (
            "Ammattiryhmien hälytykset eivät ole katsauksessa, koska siinä ei ole "
            "ammattiryhmittäisiä tietoja. Ne näkyvät kojelaudan Hälytykset-sivulla."
        ),
        "area": "Alue",
        "severity": "Vakavuus",
        "explanation": "Selitys",
        "scenario": "Skenaario",
        "description": "Kuvaus",
        "effect": "Suurin vaikutus työttömiin (kuukausi)",
        "baseline_name": "Perusura",
        "baseline_description": (
            "Ei tapahtumia: kalibroitu rekistereihin, Monte Carlo -hajontoineen."
        ),
        "kind_closure": "Toimipaikan lopettaminen",
        "kind_dismissal": "Irtisanomiset",
        "kind_temporary_layoff": "Lomautus",
        "kind_recruitment": "Rekrytointi",
        "event": "{kind}: {municipality}, {industry}, {jobs} työpaikkaa {start} alkaen",
        "event_phase": " ({months} kk:n aikana)",
        "event_duration": ", kesto {months} kk",
        "source_registers": "Työnvälitystilasto kunnittain",
        "source_occupations": "Työnvälitystilasto ammattiryhmittäin",
        "source": "Lähde",
        "tables": "Taulukot",
        "data_through": "Tiedot asti",
        "state": "Tila",
        "stale": "vanhentunut",
        "fresh": "ajan tasalla",
        "generated": "Laadittu {day}",
        "release": "julkaisu {release}",
        "page": "Sivu",
        **_severities("fi"),
        "unemployment_rate": "Työttömyysaste",
        "jobseekers": "Työnhakijat",
        "labour_force": "Työvoima",
        "long_term_unemployed": "Pitkäaikaistyöttömät",
        "unemployed_under_25": "Alle 25-vuotiaat työttömät",
        "unemployed_over_50": "Yli 50-vuotiaat työttömät",
        "unemployed_foreign": "Ulkomaalaiset työttömät",
        "laid_off": "Lomautetut",
        "pp": "%-yks.",
        "licence": "Lähde: Tilastokeskus ja KEHA-keskus, StatFin; CC BY 4.0.",
    },
    "sv": {
        "title": "Arbetsmarknadsöversikt",
        "subtitle": "Sysselsättningssektionens månadsöversikt",
        "headline": "De viktigaste siffrorna",
        "groups": "Specialgrupper",
        "occupations": "Lediga arbetsplatser och arbetsmarknadens stramhet efter yrkesgrupp",
        "forecast": "Prognos för de arbetslösa",
        "alerts": "Aktiva varningar",
        "scenarios": "Månadens scenarier",
        "sources": "Datakällor och uppgifternas tidpunkt",
        "figure": "Siffra",
        "now": "Nu",
        "previous": "Föregående månad",
        "year_ago": "Ett år tidigare",
        "vs_previous": "Förändring på en månad",
        "vs_year": "Förändring på ett år",
        "no_data": "uppgift saknas",
        "suppressed": "sekretessbelagd",
        "partial": "minst: {n} av {m} kommuners siffror sekretessbelagda",
        "derived": "beräknad: arbetslösa / arbetskraft",
        "gap_missing": (
            "Uppgifterna saknar registersiffror för {months}: jämförelser med dessa månader "
            "visas som \u201duppgift saknas\u201d."
        ),
        "gap_missing_one": (
            "Uppgifterna saknar registersiffror för {months}: jämförelser med den månaden "
            "visas som \u201duppgift saknas\u201d."
        ),
        "gap_suppressed": "Sekretessbelagd = en liten cell som källan inte publicerar.",
        "gap_partial": (
            "{value} = summan av de publicerade kommunerna när några är sekretessbelagda: den "
            "verkliga siffran är minst denna."
        ),
        "and": "och",
        "occupation": "Yrkesgrupp",
        "unemployed": "Arbetslösa",
        "vacancies": "Lediga arbetsplatser",
        "tightness": "Lediga platser per arbetslös",
        "occupations_note": "{where}, läget {month}; yrkesklassificering 2010, 2-siffernivå.",
        "occupations_none": "Inga siffror efter yrkesgrupp.",
        "fan_title": "Arbetslösa: utfall och prognos",
        "fan_desc": "Utfallet av arbetslösa och prognosens medelvärde med 80 %:s och 95 %:s "
        "intervall.",
        "fan_none": "Ingen publicerad prognos för detta område.",
        "history": "Utfall",
        "forecast_line": "Prognos (medelvärde)",
        "inner": "80 %:s intervall",
        "outer": "95 %:s intervall",
        "month": "Månad",
        "mean": "Medelvärde",
        "no_alerts": "Inga aktiva varningar.",
        "alerts_left_out_events": (
            "Varningar om aviserade uppsägningar, permitteringar och rekryteringar ingår inte "
            "i översikten: de bedöms utifrån händelseregistret efter publiceringen. De finns "
            "på instrumentpanelens sida Varningar."
        ),
        "alerts_left_out_occupations": (
            "Varningar om yrkesgrupper ingår inte i översikten, eftersom den saknar siffror "
            "efter yrkesgrupp. De finns på instrumentpanelens sida Varningar."
        ),
        "area": "Område",
        "severity": "Allvarlighetsgrad",
        "explanation": "Förklaring",
        "scenario": "Scenario",
        "description": "Beskrivning",
        "effect": "Största effekt på de arbetslösa (månad)",
        "baseline_name": "Grundbana",
        "baseline_description": (
            "Inga händelser: kalibrerad mot registren, med sin Monte Carlo-spridning."
        ),
        "kind_closure": "Nedläggning av arbetsställe",
        "kind_dismissal": "Uppsägningar",
        "kind_temporary_layoff": "Permittering",
        "kind_recruitment": "Rekrytering",
        "event": "{kind}: {municipality}, {industry}, {jobs} arbetsplatser från och med {start}",
        "event_phase": " (under {months} månader)",
        "event_duration": ", i {months} månader",
        "source_registers": "Arbetsförmedlingsstatistik efter kommun",
        "source_occupations": "Arbetsförmedlingsstatistik efter yrkesgrupp",
        "source": "Källa",
        "tables": "Tabeller",
        "data_through": "Uppgifter till och med",
        "state": "Status",
        "stale": "föråldrad",
        "fresh": "aktuell",
        "generated": "Sammanställd {day}",
        "release": "publicering {release}",
        "page": "Sida",
        **_severities("sv"),
        "unemployment_rate": "Arbetslöshetsgrad",
        "jobseekers": "Arbetssökande",
        "labour_force": "Arbetskraft",
        "long_term_unemployed": "Långtidsarbetslösa",
        "unemployed_under_25": "Arbetslösa under 25 år",
        "unemployed_over_50": "Arbetslösa över 50 år",
        "unemployed_foreign": "Arbetslösa utländska medborgare",
        "laid_off": "Permitterade",
        "pp": "%-enh.",
        "licence": "Källa: Statistikcentralen och KEHA-centret, StatFin; CC BY 4.0.",
    },
    "en": {
        "title": "Labour market review",
        "subtitle": "Monthly review for the employment committee",
        "headline": "Headline figures",
        "groups": "Special groups",
        "occupations": "Open vacancies and labour-market tightness by occupation",
        "forecast": "Forecast of the unemployed",
        "alerts": "Active alerts",
        "scenarios": "Scenarios of the month",
        "sources": "Data sources and dates",
        "figure": "Figure",
        "now": "Now",
        "previous": "Previous month",
        "year_ago": "A year earlier",
        "vs_previous": "Change on the month",
        "vs_year": "Change on the year",
        "no_data": "no data",
        "suppressed": "suppressed",
        "partial": "at least: {n} of {m} municipalities suppressed",
        "derived": "computed: unemployed / labour force",
        "gap_missing": (
            "The data holds no register figures for {months}: comparisons with those months "
            "read \u201cno data\u201d."
        ),
        "gap_missing_one": (
            "The data holds no register figures for {months}: comparisons with that month "
            "read \u201cno data\u201d."
        ),
        "gap_suppressed": "Suppressed = a small cell the source does not publish.",
        "gap_partial": (
            "{value} = the sum of the published municipalities when some are suppressed: the "
            "true figure is at least this."
        ),
        "and": "and",
        "occupation": "Occupation group",
        "unemployed": "Unemployed",
        "vacancies": "Open vacancies",
        "tightness": "Vacancies per unemployed",
        "occupations_note": (
            "{where}, {month}; Finnish classification of occupations 2010, 2 digits."
        ),
        "occupations_none": "No figures by occupation.",
        "fan_title": "Unemployed: observed and forecast",
        "fan_desc": "Observed unemployed and the forecast mean with its 80% and 95% intervals.",
        "fan_none": "No published forecast for this area.",
        "history": "Observed",
        "forecast_line": "Forecast (mean)",
        "inner": "80% interval",
        "outer": "95% interval",
        "month": "Month",
        "mean": "Mean",
        "no_alerts": "No active alerts.",
        "alerts_left_out_events": (
            "Alerts on announced layoffs, closures and recruitments are not in the review: "
            "they are evaluated from the event register after the release is published. "
            "They are on the dashboard's Alerts page."
        ),
        "alerts_left_out_occupations": (
            "Alerts on occupation groups are not in the review, as it holds no figures by "
            "occupation. They are on the dashboard's Alerts page."
        ),
        "area": "Area",
        "severity": "Severity",
        "explanation": "Explanation",
        "scenario": "Scenario",
        "description": "Description",
        "effect": "Largest effect on the unemployed (month)",
        "baseline_name": "Baseline",
        "baseline_description": (
            "No events: calibrated to the registers, with its Monte Carlo spread."
        ),
        "kind_closure": "Closure",
        "kind_dismissal": "Dismissals",
        "kind_temporary_layoff": "Temporary layoff",
        "kind_recruitment": "Recruitment",
        "event": "{kind}: {municipality}, {industry}, {jobs} jobs from {start}",
        "event_phase": " (over {months} months)",
        "event_duration": ", lasting {months} months",
        "source_registers": "Employment service statistics by municipality",
        "source_occupations": "Employment service statistics by occupation",
        "source": "Source",
        "tables": "Tables",
        "data_through": "Data through",
        "state": "State",
        "stale": "stale",
        "fresh": "up to date",
        "generated": "Generated {day}",
        "release": "release {release}",
        "page": "Page",
        **_severities("en"),
        "unemployment_rate": "Unemployment rate",
        "jobseekers": "Jobseekers",
        "labour_force": "Labour force",
        "long_term_unemployed": "Long-term unemployed",
        "unemployed_under_25": "Unemployed under 25",
        "unemployed_over_50": "Unemployed over 50",
        "unemployed_foreign": "Unemployed foreign citizens",
        "laid_off": "Laid off",
        "pp": "pp",
        "licence": "Source: Statistics Finland and the KEHA Centre, StatFin; CC BY 4.0.",
    },
}


def words(lang: str) -> dict[str, str]:
    """The review's words in ``lang`` (``fi``, ``sv`` or ``en``)."""
    return TEXT[lang]
