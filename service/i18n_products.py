# ruff: noqa: E501  (a table of words: one entry a line reads best)
"""The product pages' words, and the names of every input cube and register variable, in
Finnish, Swedish and English (merged into :func:`service.i18n.texts`)."""

from __future__ import annotations

#: Input cubes (freshness notes): name -> (fi, sv, en).
SOURCES = {
    "registers": ("työnvälitystilasto", "arbetsförmedlingsstatistik", "employment service statistics"),
    "population": ("väestörakenne", "befolkningsstruktur", "population structure"),
    "population_totals": ("väkiluku", "folkmängd", "population totals"),
    "population_by_sex": ("väestö sukupuolen mukaan", "befolkning efter kön", "population by sex"),
    "population_change": ("väestönmuutokset", "befolkningsförändringar", "population change"),
    "regional_demography": ("alueellinen väestönmuutos", "regional befolkningsutveckling", "regional demography"),
    "national_mortality": ("kuolleisuus, koko maa", "dödlighet, hela landet", "national mortality"),
    "national_fertility": ("hedelmällisyys, koko maa", "fruktsamhet, hela landet", "national fertility"),
    "age_key_figures": ("väestön ikärakenteen tunnusluvut", "nyckeltal för åldersstrukturen", "age structure key figures"),
    "projection_2024": ("väestöennuste 2024", "befolkningsprognos 2024", "population projection 2024"),
    "employment_by_age_education": ("työlliset iän ja koulutuksen mukaan", "sysselsatta efter ålder och utbildning", "employed by age and education"),
    "commuting": ("työssäkäynti", "pendling", "commuting"),
    "jobs_totals_2019": ("työpaikat yhteensä", "arbetsplatser totalt", "total jobs"),
    "jobs_by_industry": ("työpaikat toimialoittain", "arbetsplatser efter näringsgren", "jobs by industry"),
    "jobs_by_industry_postcode_shares": ("työpaikat toimialoittain postinumeroalueilla (osuudet)", "arbetsplatser efter näringsgren per postnummerområde (andelar)", "jobs by industry by postcode area (shares)"),
    "national_employment_by_industry": ("työlliset toimialoittain, koko maa", "sysselsatta efter näringsgren, hela landet", "employment by industry, whole country"),
    "education_levels": ("koulutusrakenne", "utbildningsstruktur", "educational structure"),
    "occupations": ("ammattiryhmät", "yrkesgrupper", "occupational groups"),
    "alerts": ("hälytykset", "varningar", "alerts"),
    "migration": ("muuttoliike", "flyttningar", "migration"),
    "vacancy_flows": ("avoimien työpaikkojen virrat", "flöden av lediga arbetsplatser", "vacancy flows"),
}  # fmt: skip

#: The 23 register variables of 12r5: name -> (fi, sv, en).
VARIABLES = {
    "jobseekers": ("Työnhakijat", "Arbetssökande", "Jobseekers"),
    "unemployed": ("Työttömät työnhakijat", "Arbetslösa arbetssökande", "Unemployed jobseekers"),
    "labour_force": ("Työvoima", "Arbetskraft", "Labour force"),
    "unemployment_rate_published": ("Työttömyysaste (julkaistu), %", "Arbetslöshetsgrad (publicerad), %", "Unemployment rate (published), %"),
    "unemployment_rate": ("Työttömyysaste, %", "Arbetslöshetsgrad, %", "Unemployment rate, %"),
    "unemployed_men": ("Työttömät miehet", "Arbetslösa män", "Unemployed men"),
    "unemployed_women": ("Työttömät naiset", "Arbetslösa kvinnor", "Unemployed women"),
    "unemployed_under_20": ("Alle 20-vuotiaat työttömät", "Arbetslösa under 20 år", "Unemployed under 20"),
    "unemployed_under_25": ("Alle 25-vuotiaat työttömät", "Arbetslösa under 25 år", "Unemployed under 25"),
    "unemployed_over_50": ("Yli 50-vuotiaat työttömät", "Arbetslösa över 50 år", "Unemployed over 50"),
    "unemployed_disabled": ("Vammaiset ja pitkäaikaissairaat työttömät", "Arbetslösa med funktionsnedsättning eller långvarig sjukdom", "Unemployed with a disability or long-term illness"),
    "unemployed_foreign": ("Ulkomaalaiset työttömät", "Arbetslösa utländska medborgare", "Unemployed foreign nationals"),
    "long_term_unemployed": ("Pitkäaikaistyöttömät", "Långtidsarbetslösa", "Long-term unemployed"),
    "unemployed_fund_members": ("Työttömyyskassan jäsenet, työttömät", "Arbetslösa medlemmar i arbetslöshetskassa", "Unemployed fund members"),
    "laid_off": ("Lomautetut", "Permitterade", "Temporarily laid off"),
    "short_time": ("Lyhennetyllä työviikolla", "På förkortad arbetsvecka", "On short-time work"),
    "subsidised_employment": ("Tukityöllistetyt", "I subventionerat arbete", "In subsidised employment"),
    "in_work_practice": ("Työharjoittelussa", "I arbetspraktik", "In work practice"),
    "in_trials": ("Työ- ja koulutuskokeilussa", "I arbets- och utbildningsprövning", "In work and training trials"),
    "in_labour_market_training": ("Työvoimakoulutuksessa", "I arbetskraftsutbildning", "In labour market training"),
    "in_coaching": ("Valmennuksessa", "I coachning", "In coaching"),
    "in_other_services": ("Muissa palveluissa", "I övriga tjänster", "In other services"),
    "vacancies": ("Avoimet työpaikat", "Lediga arbetsplatser", "Open vacancies"),
    "new_vacancies": ("Uudet avoimet työpaikat", "Nya lediga arbetsplatser", "New vacancies"),
    "working_age_15_64": ("Työikäiset 15–64-v.", "Personer i arbetsför ålder 15–64 år", "Working age 15–64"),
    "employed": ("Työlliset", "Sysselsatta", "Employed"),
    "retirements": ("Eläkkeelle siirtyvät (työstä poistuvat)", "Pensionsavgångar (lämnar arbetet)", "Retirements (exits from work)"),
}  # fmt: skip

#: Page words: key -> (fi, sv, en).
WORDS = {
    "population_page": ("Väestö", "Befolkning", "Population"),
    "labour_page": ("Työvoima", "Arbetskraft", "Labour supply"),
    "jobs_page": ("Työpaikat", "Arbetsplatser", "Jobs"),
    "occupations_page": ("Ammatit", "Yrken", "Occupations"),
    "groups_page": ("Erityisryhmät", "Specialgrupper", "Special groups"),
    "map_page": ("Kartta", "Karta", "Map"),
    "pyramid_desc": ("Väestö ikäryhmittäin ja sukupuolen mukaan vuoden {year} lopussa, {area}: naiset vasemmalla, miehet oikealla.", "Befolkning efter åldersgrupp och kön i slutet av {year}, {area}: kvinnor till vänster, män till höger.", "Population by age group and sex at the end of {year}, {area}: women on the left, men on the right."),
    "women": ("Naiset", "Kvinnor", "Women"),
    "men": ("Miehet", "Män", "Men"),
    "age_group": ("Ikäryhmä", "Åldersgrupp", "Age group"),
    "population_total": ("Väkiluku", "Folkmängd", "Population"),
    "old_share": ("65 vuotta täyttäneet, %", "65 år och äldre, %", "Aged 65 and over, %"),
    "jobs_total": ("Työpaikat yhteensä", "Arbetsplatser totalt", "Jobs in total"),
    "comparison": ("Vertailu maakuntaan ja koko maahan", "Jämförelse med landskapet och hela landet", "Comparison with the region and the country"),
    "band80": ("80 %:n väli", "80 %:s intervall", "80% interval"),
    "change": ("Muutos", "Förändring", "Change"),
    "change_pct": ("Muutos, %", "Förändring, %", "Change, %"),
    "change_pp": ("Muutos, %-yks.", "Förändring, %-enh.", "Change, pp"),
    "pp": ("%-yks.", "%-enh.", "pp"),
    "labour_desc": ("{variables}: {area}, vuodet {years}; keskiarvo ja 80 %:n väli.", "{variables}: {area}, åren {years}; medelvärde och 80 %:s intervall.", "{variables}: {area}, years {years}; mean and 80% interval."),
    "and": ("ja", "och", "and"),
    "jobs_desc": ("Työpaikat toimialoittain vuonna {year}, {area} (vertailuvuosi {base}); salatut toimialat puuttuvat.", "Arbetsplatser efter näringsgren {year}, {area} (jämförelseår {base}); sekretessbelagda näringsgrenar saknas.", "Jobs by industry in {year}, {area} (compared with {base}); suppressed industries are left out."),
    "balance_heading": ("Työpaikat ja työvoima", "Arbetsplatser och arbetskraft", "Jobs and workers"),
    "balance_desc": ("Työpaikat ja alueella asuvat työlliset, {area}. Nettopendelöinti alueelle = työpaikat − työlliset asukkaat; havaittu osuus vuodelta {observed_year} (työssäkäyntitilasto 115n/115p). Laskennalliset työlliset ovat työpaikat havaitulla osuudella täytettyinä, eivät Työvoima-sivun työllisiä (ikäryhmien työllisyysasteista), joten luvut eroavat; työttömyysaste on työvoima miinus nämä työlliset suhteessa työvoimaan.", "Arbetsplatser och sysselsatta invånare, {area}. Nettoinpendling till området = arbetsplatser − sysselsatta invånare; observerad andel från {observed_year} (sysselsättningsstatistik 115n/115p). De beräknade sysselsatta är arbetsplatserna fyllda med den observerade andelen, inte sidan Arbetskrafts sysselsatta (från åldersgruppernas sysselsättningsgrader), så talen skiljer sig; arbetslöshetsgraden är arbetskraften minus dessa sysselsatta, som andel av arbetskraften.", "Jobs and employed residents, {area}. Net in-commuting = jobs − employed residents; observed share from {observed_year} (employment statistics 115n/115p). The implied employed are the jobs filled at the observed share, not the employed of the Labour supply page (from the employment rates by age), so the two differ; the unemployment rate is the labour force less these employed, as a share of the labour force."),
    "balance_year": ("Vuosi", "År", "Year"),
    "balance_employed": ("Työlliset asukkaat, laskennallinen", "Sysselsatta invånare, beräknat", "Employed residents, implied"),
    "balance_force": ("Työvoima", "Arbetskraft", "Labour force"),
    "balance_rate": ("Työttömyysaste, laskennallinen", "Arbetslöshetsgrad, beräknad", "Unemployment rate, implied"),
    "balance_net": ("Nettopendelöinti alueelle, henkeä", "Nettoinpendling, personer", "Net in-commuting, persons"),
    "balance_share": ("Osuus työpaikoista", "Andel av arbetsplatserna", "Share of jobs"),
    "balance_observed": ("Havaittu osuus {observed_year}", "Observerad andel {observed_year}", "Observed share {observed_year}"),
    "balance_flag_up": ("Työpaikkaennuste edellyttää vuonna {year} nettopendelöintiä alueelle {net} henkeä ({share} työpaikoista); vuonna {observed_year} osuus oli {observed}. Ero on yli {limit} prosenttiyksikköä: joko työpaikkaennuste on liian suuri tai alue tarvitsee lisää työvoimaa, pendelöijinä tai muuttajina.", "Arbetsplatsprognosen förutsätter år {year} en nettoinpendling på {net} personer ({share} av arbetsplatserna); år {observed_year} var andelen {observed}. Skillnaden är över {limit} procentenheter: antingen är arbetsplatsprognosen för hög eller så behöver området mer arbetskraft, som pendlare eller inflyttare.", "The jobs forecast implies net in-commuting of {net} persons in {year} ({share} of the jobs); in {observed_year} the share was {observed}. The gap is over {limit} percentage points: either the jobs forecast is too high or the area needs more workers, commuting or moving in."),
    "balance_flag_down": ("Vuonna {year} alueen työvoimasta jää ennusteen työpaikkojen jälkeen niin paljon yli, että nettopendelöinnin osuus ({share} työpaikoista) on yli {limit} prosenttiyksikköä pienempi kuin vuonna {observed_year} ({observed}): joko työpaikkaennuste on liian pieni tai asukkaat pendelöivät enemmän alueen ulkopuolelle.", "År {year} blir så mycket av områdets arbetskraft över efter prognosens arbetsplatser att nettoinpendlingens andel ({share} av arbetsplatserna) är över {limit} procentenheter lägre än år {observed_year} ({observed}): antingen är arbetsplatsprognosen för låg eller så pendlar invånarna mer ut ur området.", "In {year} so much of the area's labour force is left over after the forecast jobs that net in-commuting ({share} of the jobs) is over {limit} percentage points below {observed_year} ({observed}): either the jobs forecast is too low or more residents commute out."),
    "balance_ok": ("Työpaikkaennusteen edellyttämä pendelöinti pysyy kaikkina vuosina alle {limit} prosenttiyksikön päässä vuoden {observed_year} osuudesta.", "Pendlingen som arbetsplatsprognosen förutsätter håller sig alla år inom {limit} procentenheter från andelen {observed_year}.", "The commuting the jobs forecast implies stays within {limit} percentage points of the {observed_year} share in every year."),
    "occupation": ("Ammattiryhmä", "Yrkesgrupp", "Occupation group"),
    "tightness": ("Avoimia työpaikkoja työtöntä kohden", "Lediga platser per arbetslös", "Vacancies per unemployed"),
    "signal": ("Tilanne", "Läge", "Signal"),
    "occ_unemployed": ("Työttömät työnhakijat, henkeä (kuukausikeskiarvo)", "Arbetslösa arbetssökande, personer (månadsmedelvärde)", "Unemployed jobseekers, persons (monthly mean)"),
    "occ_vacancies": ("Avoimet työpaikat, kpl (kuukausikeskiarvo)", "Lediga arbetsplatser, antal (månadsmedelvärde)", "Open vacancies, number (monthly mean)"),
    "occ_tightness": ("Avoimia työpaikkoja työtöntä kohden (suhdeluku)", "Lediga platser per arbetslös (kvot)", "Vacancies per unemployed (ratio)"),
    "shortage": ("työvoimapulaa", "arbetskraftsbrist", "shortage"),
    "surplus": ("työvoiman ylitarjontaa", "överskott på arbetskraft", "surplus"),
    "balanced": ("tasapainossa", "i balans", "balanced"),
    "unknown": ("ei tietoa", "uppgift saknas", "no data"),
    "occupations_desc": ("Ammattiryhmät, {area}: ennusteen ensimmäisen 12 kuukauden keskiarvot {start}–{end}. Pulaa: vähintään yksi avoin paikka työtöntä kohden; ylitarjontaa: alle {surplus}.", "Yrkesgrupper, {area}: medelvärden för prognosens första 12 månader {start}–{end}. Brist: minst en ledig plats per arbetslös; överskott: under {surplus}.", "Occupation groups, {area}: means of the first 12 forecast months {start}–{end}. Shortage: at least one vacancy per unemployed; surplus: under {surplus}."),
    "occupations_dates": ("Ammattiryhmien osuudet ammattiryhmätiedoista {shares} (viimeisin julkaistu), taso työnvälitystilaston ennusteesta {level} alkaen.", "Yrkesgruppernas andelar från yrkesdata {shares} (senast publicerade), nivån från arbetsförmedlingsstatistikens prognos från {level}.", "Occupation groups' shares from the occupation data of {shares} (the latest published), the level from the employment service statistics forecast from {level}."),
    "groups_desc": ("Työnvälitystilaston muuttujat {month}, {area}, maakunta ja koko maa, sekä ennuste {target} 80 %:n välein.", "Arbetsförmedlingsstatistikens variabler {month}, {area}, landskapet och hela landet, samt prognos {target} med 80 %:s intervall.", "Employment service statistics {month}, {area}, the region and the country, and the forecast for {target} with 80% intervals."),
    "forecast_at": ("Ennuste {month}", "Prognos {month}", "Forecast {month}"),
    "partial": ("osittainen: {n}/{m} kunnan luku salattu", "partiell: {n} av {m} kommuners tal sekretessbelagda", "partial: {n} of {m} municipalities suppressed"),
    "partial_note": ("Osittainen summa (≥): julkaistujen kuntien yhteissumma; salattuja kuntia ei ole laskettu mukaan, joten todellinen luku on vähintään tämä.", "Partiell summa (≥): summan av de publicerade kommunerna; sekretessbelagda kommuner ingår inte, så det verkliga talet är minst detta.", "Partial sum (≥): the total of the published municipalities; suppressed ones are not included, so the true figure is at least this."),
    "map_desc": ("Työttömyysaste kunnittain {month}, {region}; {area} on rajattu paksulla viivalla. Valkoinen viivoitus: ei tietoa.", "Arbetslöshetsgrad per kommun {month}, {region}; {area} har en tjock kantlinje. Vit skraffering: uppgift saknas.", "Unemployment rate by municipality, {month}, {region}; {area} outlined in bold. White hatching: no data."),
    "map_change_desc": ("Muutos verrattuna kuukauteen {before}.", "Förändring jämfört med {before}.", "Change against {before}."),
    "no_data": ("ei tietoa", "uppgift saknas", "no data"),
    "outside_release": ("ei mukana julkaisussa", "ingår inte i publiceringen", "not in the release"),
    "map_outside_desc": ("Harmaa: kunta ei ole mukana julkaisussa.", "Grå: kommunen ingår inte i publiceringen.", "Grey: the municipality is not in the release."),
    "headline": ("Uusimmat luvut", "De senaste siffrorna", "The latest figures"),
    "year_ago_missing": ("vuotta aiempi luku ({month}) puuttuu", "siffran ett år tidigare ({month}) saknas", "the figure a year earlier ({month}) is missing"),
    "headline_change": ("{change} verrattuna kuukauteen {before}", "{change} jämfört med {before}", "{change} against {before}"),
    "products": ("Tuotteet", "Produkter", "Products"),
    "whole_year": ("Vuosi", "År", "Year"),
    "base_year": ("Vertailuvuosi", "Jämförelseår", "Base year"),
    "group_variable": ("Muuttuja", "Variabel", "Variable"),
    "cumulative_title": ("Koulutustarve yhteensä {period}: {area}", "Utbildningsbehov sammanlagt {period}: {area}", "Training need in total {period}: {area}"),
    "cumulative_desc": ("Uusien tulijoiden tarve koulutusaloittain yhteensä, {period} (koulutusasteet yhteen laskettuina); negatiivinen luku on ylitarjontaa.", "Behov av nya personer per utbildningsområde sammanlagt, {period} (utbildningsnivåerna summerade); ett negativt tal är ett överskott.", "New entrants needed by field of education in total, {period} (levels summed); a negative number is a surplus."),
    "cumulative_started": ("Jakso alkaa vuodesta {first}, joka on jo alkanut (tänään {today}). Summasta {done} on jo alkaneilta vuosilta ({past}) ja {rest} tulevilta vuosilta ({ahead}); osuudet ovat vuosien keskiarvoja yhteen laskettuina, 80 %:n väli on vain koko jaksolle.", "Perioden börjar med år {first}, som redan har börjat (i dag {today}). Av summan kommer {done} från år som redan har börjat ({past}) och {rest} från kommande år ({ahead}); delarna är årens medelvärden summerade, 80 %:s intervall finns bara för hela perioden.", "The period starts with {first}, a year already under way (today {today}). Of the total, {done} falls in years already begun ({past}) and {rest} in the years ahead ({ahead}); the parts are the years' means added up, and the 80% interval is for the whole period only."),
    "interval_draws": ("80 %:n väli on laskettu simulaatioista summana (ei vuosittaisten rajojen summana).", "80 %:s intervall är beräknat ur de summerade simuleringarna (inte som summan av årens gränser).", "The 80% interval comes from the summed simulations (not the yearly bounds added up)."),
    "interval_bounds_summed": ("80 %:n väli on vuosittaisten rajojen summa: likiarvo, joka pitää, jos vuosien virheet kulkevat yhdessä (julkaisussa ei ole summattuja simulaatioita).", "80 %:s intervall är summan av årens gränser: en approximation som gäller om årens fel följs åt (publiceringen saknar summerade simuleringar).", "The 80% interval is the yearly bounds added up: an approximation that holds if the years err together (the release has no summed simulations)."),
    "download_sum": ("yhteensä {period}", "sammanlagt {period}", "in total {period}"),
    "download_yearly": ("vuosittain {first}–{last}, koulutusasteittain", "per år {first}–{last}, per utbildningsnivå", "by year {first}–{last}, by level"),
    "download_year": ("vuosi {year}, koulutusasteittain", "år {year}, per utbildningsnivå", "year {year}, by level"),
    "all_fields": ("Kaikki alat", "Alla områden", "All fields"),
    "suppressed": ("salattu", "sekretessbelagd", "suppressed"),
    "suppressed_note": ("Ei julkaistua arvoa (salattu tai puuttuu), ei näytetä kuvassa: {names}.", "Inget publicerat värde (sekretessbelagt eller saknas), visas inte i figuren: {names}.", "No published value (suppressed or missing), not drawn in the chart: {names}."),
}  # fmt: skip

#: Text values of product cells (flags, the data contract's status meanings) in downloads:
#: value -> (fi, sv, en). A value not listed is kept as it is.
VALUES = {
    "ok": ("ok", "ok", "ok"),
    "flat jobs: expected": ("työpaikat ennallaan: odotettu", "oförändrade arbetsplatser: väntat", "flat jobs: expected"),
    "below anchors": ("alle vertailuvälin", "under jämförelseintervallet", "below anchors"),
    "above anchors": ("yli vertailuvälin", "över jämförelseintervallet", "above anchors"),
    "missing": ("puuttuu", "saknas", "missing"),
    "not applicable": ("ei sovellu", "ej tillämplig", "not applicable"),
    "confidential": ("salattu", "sekretessbelagd", "confidential"),
    "not available": ("ei saatavilla", "ej tillgänglig", "not available"),
    "not asked": ("ei kysytty", "ej frågat", "not asked"),
    "empty": ("tyhjä", "tom", "empty"),
    "draws": ("simulaatioista", "ur simuleringarna", "from the draws"),
    "bounds_summed": ("vuosittaiset rajat summattu", "årens gränser summerade", "yearly bounds summed"),
    # the levels of education: a qualification's level cell, and service.labels' level names
    "vocational": ("ammatillinen", "yrkesutbildning", "vocational"),
    "applied_sciences": ("ammattikorkeakoulu", "yrkeshögskola", "university of applied sciences"),
    "university": ("yliopisto", "universitet", "university"),
}  # fmt: skip

#: The languages of every ``(fi, sv, en)`` tuple of these tables (and of service.i18n_columns).
TABLE_LANGS: tuple[str, ...] = ("fi", "sv", "en")


def value_label(value: str, lang: str) -> str:
    """A product cell's text value (:data:`VALUES`) in ``lang``; other text unchanged."""
    words = VALUES.get(value)
    return words[TABLE_LANGS.index(lang) if lang in TABLE_LANGS else 0] if words else value


def product_texts(lang: str) -> dict[str, str]:
    """The words above in ``lang``: page words, ``src_<cube>`` and register variable names."""
    i = TABLE_LANGS.index(lang) if lang in TABLE_LANGS else 0
    out = {key: words[i] for key, words in WORDS.items()}
    out.update({f"src_{cube}": names[i] for cube, names in SOURCES.items()})
    out.update({key: names[i] for key, names in VARIABLES.items()})
    return out
