"""Write the versioned classification tables (industries, occupations, fields of education).

Usage: ``python -m forecasting.io.classification_tables [--shared DIR] [--out DIR]``.

The labels below were entered from the published classifications (Statistics Finland's
classification service was not reachable from the build machine) and checked against the
sources named in ``docs/classifications.md``; each row carries a ``label_source``. Occupation
codes are those that occur in the tyonv 12ti extract, with their level-1..3 parents.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from forecasting.io.sources._read import read_csv
from forecasting.io.sources.registers import FILE_12TI
from forecasting.settings import get_settings

#: Short keys of the label sources; docs/classifications.md explains each.
SRC_TOL = "tol2008"
TOL2008_SECTIONS: dict[str, tuple[str, str]] = {
    "A": ("Maatalous, metsätalous ja kalatalous", "Agriculture, forestry and fishing"),
    "B": ("Kaivostoiminta ja louhinta", "Mining and quarrying"),
    "C": ("Teollisuus", "Manufacturing"),
    "D": (
        "Sähkö-, kaasu- ja lämpöhuolto, jäähdytysliiketoiminta",
        "Electricity, gas, steam and air conditioning supply",
    ),
    "E": (
        "Vesihuolto, viemäri- ja jätevesihuolto, jätehuolto ja muu ympäristön puhtaanapito",
        "Water supply; sewerage, waste management and remediation activities",
    ),
    "F": ("Rakentaminen", "Construction"),
    "G": (
        "Tukku- ja vähittäiskauppa; moottoriajoneuvojen ja moottoripyörien korjaus",
        "Wholesale and retail trade; repair of motor vehicles and motorcycles",
    ),
    "H": ("Kuljetus ja varastointi", "Transportation and storage"),
    "I": ("Majoitus- ja ravitsemistoiminta", "Accommodation and food service activities"),
    "J": ("Informaatio ja viestintä", "Information and communication"),
    "K": ("Rahoitus- ja vakuutustoiminta", "Financial and insurance activities"),
    "L": ("Kiinteistöalan toiminta", "Real estate activities"),
    "M": (
        "Ammatillinen, tieteellinen ja tekninen toiminta",
        "Professional, scientific and technical activities",
    ),
    "N": ("Hallinto- ja tukipalvelutoiminta", "Administrative and support service activities"),
    "O": (
        "Julkinen hallinto ja maanpuolustus; pakollinen sosiaalivakuutus",
        "Public administration and defence; compulsory social security",
    ),
    "P": ("Koulutus", "Education"),
    "Q": ("Terveys- ja sosiaalipalvelut", "Human health and social work activities"),
    "R": ("Taiteet, viihde ja virkistys", "Arts, entertainment and recreation"),
    "S": ("Muu palvelutoiminta", "Other service activities"),
    "T": (
        "Kotitalouksien toiminta työnantajina; kotitalouksien eriyttämätön toiminta "
        "tavaroiden ja palvelujen tuottamiseksi omaan käyttöön",
        "Activities of households as employers; undifferentiated goods- and "
        "services-producing activities of households for own use",
    ),
    "U": (
        "Kansainvälisten organisaatioiden ja toimielinten toiminta",
        "Activities of extraterritorial organisations and bodies",
    ),
    "X": ("Toimiala tuntematon", "Industry unknown"),
}

SRC_FIELD = "koulutusluokitus2016"
EDUCATION_FIELDS_2016: dict[str, tuple[str, str]] = {
    "00": ("Yleissivistävä koulutus", "Generic programmes and qualifications"),
    "01": ("Kasvatusalat", "Education"),
    "02": ("Humanistiset ja taidealat", "Arts and humanities"),
    "03": ("Yhteiskunnalliset alat", "Social sciences, journalism and information"),
    "04": ("Kauppa, hallinto ja oikeustieteet", "Business, administration and law"),
    "05": ("Luonnontieteet", "Natural sciences, mathematics and statistics"),
    "06": (
        "Tietojenkäsittely ja tietoliikenne (ICT)",
        "Information and Communication Technologies (ICTs)",
    ),
    "07": ("Tekniikan alat", "Engineering, manufacturing and construction"),
    "08": ("Maa- ja metsätalousalat", "Agriculture, forestry, fisheries and veterinary"),
    "09": ("Terveys- ja hyvinvointialat", "Health and welfare"),
    "10": ("Palvelualat", "Services"),
    "99": ("Muut tai tuntemattomat koulutusalat", "Other or unknown fields"),
}

SRC_OCC = "ammattiluokitus2010"
SRC_OCC_X = "keha-tyonv"
OCCUPATION_LABELS: dict[str, tuple[str, str]] = {
    "SSS": ("Ammatit yhteensä", "All occupations"),
    "0": ("Sotilaat", "Armed forces occupations"),
    "1": ("Johtajat", "Managers"),
    "2": ("Erityisasiantuntijat", "Professionals"),
    "3": ("Asiantuntijat", "Technicians and associate professionals"),
    "4": ("Toimisto- ja asiakaspalvelutyöntekijät", "Clerical support workers"),
    "5": ("Palvelu- ja myyntityöntekijät", "Service and sales workers"),
    "6": (
        "Maanviljelijät, metsätyöntekijät ym.",
        "Skilled agricultural, forestry and fishery workers",
    ),
    "7": ("Rakennus-, korjaus- ja valmistustyöntekijät", "Craft and related trades workers"),
    "8": ("Prosessi- ja kuljetustyöntekijät", "Plant and machine operators, and assemblers"),
    "9": ("Muut työntekijät", "Elementary occupations"),
    "X": (
        "Tuntematon tai muu (työnvälityksen X-ryhmät)",
        "Unknown or other (employment-service X groups)",
    ),
    "01": ("Upseerit", "Commissioned armed forces officers"),
    "02": ("Aliupseerit", "Non-commissioned armed forces officers"),
    "03": ("Sotilasammattihenkilöstö", "Armed forces occupations, other ranks"),
    "11": (
        "Johtajat, ylimmät virkamiehet ja järjestöjen johtajat",
        "Chief executives, senior officials and legislators",
    ),
    "12": ("Hallintojohtajat ja kaupalliset johtajat", "Administrative and commercial managers"),
    "13": (
        "Tuotantotoiminnan ja yhteiskunnan peruspalvelujen johtajat",
        "Production and specialised services managers",
    ),
    "14": (
        "Hotelli- ja ravintola-alan, vähittäiskaupan ja muiden palvelualojen johtajat",
        "Hospitality, retail and other services managers",
    ),
    "21": (
        "Luonnontieteiden ja tekniikan erityisasiantuntijat",
        "Science and engineering professionals",
    ),
    "22": ("Terveydenhuollon erityisasiantuntijat", "Health professionals"),
    "23": ("Opettajat ja muut opetusalan erityisasiantuntijat", "Teaching professionals"),
    "24": (
        "Liike-elämän ja hallinnon erityisasiantuntijat",
        "Business and administration professionals",
    ),
    "25": (
        "Tieto- ja viestintäteknologian erityisasiantuntijat",
        "Information and communications technology professionals",
    ),
    "26": (
        "Lainopilliset, sosiaalialan ja kulttuurialan erityisasiantuntijat",
        "Legal, social and cultural professionals",
    ),
    "31": (
        "Luonnontieteiden ja tekniikan asiantuntijat",
        "Science and engineering associate professionals",
    ),
    "32": ("Terveydenhuollon asiantuntijat", "Health associate professionals"),
    "33": (
        "Liike-elämän ja hallinnon asiantuntijat",
        "Business and administration associate professionals",
    ),
    "34": (
        "Lakiavustajat ja sosiaali- ja kulttuurialan asiantuntijat",
        "Legal, social, cultural and related associate professionals",
    ),
    "35": (
        "Informaatio- ja tietoliikenneteknologian asiantuntijat",
        "Information and communications technicians",
    ),
    "41": ("Toimistotyöntekijät", "General and keyboard clerks"),
    "42": ("Asiakaspalvelutyöntekijät", "Customer services clerks"),
    "43": (
        "Laskennan ja varastoinnin toimistotyöntekijät",
        "Numerical and material recording clerks",
    ),
    "44": ("Muut toimisto- ja asiakaspalvelutyöntekijät", "Other clerical support workers"),
    "51": ("Palvelutyöntekijät", "Personal service workers"),
    "52": ("Myyjät, kauppiaat ym.", "Sales workers"),
    "53": ("Hoivapalvelun ja terveydenhuollon työntekijät", "Personal care workers"),
    "54": ("Suojelu- ja vartiointityöntekijät", "Protective services workers"),
    "61": (
        "Maanviljelijät ja eläintenkasvattajat ym.",
        "Market-oriented skilled agricultural workers",
    ),
    "62": (
        "Metsä- ja kalatalouden työntekijät",
        "Market-oriented skilled forestry, fishery and hunting workers",
    ),
    "71": (
        "Rakennustyöntekijät ym. (pl. sähköasentajat)",
        "Building and related trades workers, excluding electricians",
    ),
    "72": (
        "Konepaja- ja valimotyöntekijät sekä asentajat ja korjaajat",
        "Metal, machinery and related trades workers",
    ),
    "73": (
        "Käsityötuotteiden valmistajat, hienomekaanikot sekä painoalan työntekijät",
        "Handicraft and printing workers",
    ),
    "74": ("Sähkö- ja elektroniikka-alan työntekijät", "Electrical and electronic trades workers"),
    "75": (
        "Elintarvike-, puutyö-, vaatetus- ja jalkinealan valmistustyöntekijät",
        "Food processing, wood working, garment and other craft and related trades workers",
    ),
    "81": ("Prosessityöntekijät", "Stationary plant and machine operators"),
    "82": ("Teollisuustuotteiden kokoonpanijat", "Assemblers"),
    "83": ("Kuljetustyöntekijät", "Drivers and mobile plant operators"),
    "91": ("Siivoojat, kotiapulaiset ja muut puhdistustyöntekijät", "Cleaners and helpers"),
    "92": (
        "Maa-, metsä- ja kalatalouden avustavat työntekijät",
        "Agricultural, forestry and fishery labourers",
    ),
    "93": (
        "Teollisuuden ja rakentamisen avustavat työntekijät",
        "Labourers in mining, construction, manufacturing and transport",
    ),
    "94": ("Avustavat keittiö- ja ruokatyöntekijät", "Food preparation assistants"),
    "95": ("Katumyyjät, kengänkiillottajat ym.", "Street and related sales and service workers"),
    "96": (
        "Katujen puhtaanapidon ja jätehuollon työntekijät",
        "Refuse workers and other elementary workers",
    ),
    "X0": ("Yrittäjät", "Entrepreneurs"),
    "X1": ("Opiskelijat", "Students"),
    "X2": ("Ei ammattia", "No occupation"),
    "X3": ("Ammattia vaihtavat", "Changing occupation"),
    "X4": ("Vastavalmistuneet", "Recent graduates"),
    "X5": ("Valmennukset", "Coaching"),
    "X6": ("Koulutukset, muu kuin ammatillinen", "Training other than vocational"),
    "X9": ("Määrittelemättömät ja poistetut luokat", "Unspecified and discontinued groups"),
}


def simple_table(labels: dict[str, tuple[str, str]], source: str) -> pd.DataFrame:
    """``code, name_fi, name_en, label_source`` rows in code order."""
    rows = [(code, fi, en, source) for code, (fi, en) in labels.items()]
    return pd.DataFrame(rows, columns=["code", "name_fi", "name_en", "label_source"])


def occupation_table(codes: Sequence[str]) -> pd.DataFrame:
    """Occupation rows for the 4-character ``codes`` and all their parents (levels 1..3).

    Columns: ``code, level (0 = total), parent, name_fi, name_en, label_source,
    in_data`` (True for codes that occur in the data themselves).
    """
    data_codes = set(codes)
    all_codes = {"SSS"} | {c[:n] for c in data_codes if c != "SSS" for n in range(1, len(c) + 1)}
    rows = []
    for code in sorted(all_codes, key=lambda c: (c != "SSS", c)):
        level = 0 if code == "SSS" else len(code)
        parent = "" if level == 0 else ("SSS" if level == 1 else code[:-1])
        fi, en = OCCUPATION_LABELS.get(code, ("", ""))
        source = (SRC_OCC_X if code.startswith("X") else SRC_OCC) if fi else ""
        rows.append((code, level, parent, fi, en, source, code in data_codes))
    columns = ["code", "level", "parent", "name_fi", "name_en", "label_source", "in_data"]
    return pd.DataFrame(rows, columns=columns)


def write_tables(shared_dir: Path, out_dir: Path) -> list[Path]:
    """Write ``tol2008_sections.csv``, ``education_fields_2016.csv``, ``occupations_2010.csv``."""
    frame = read_csv(shared_dir / FILE_12TI, columns=["ammattiryhma"])
    tables = {
        "tol2008_sections.csv": simple_table(TOL2008_SECTIONS, SRC_TOL),
        "education_fields_2016.csv": simple_table(EDUCATION_FIELDS_2016, SRC_FIELD),
        "occupations_2010.csv": occupation_table(sorted(frame["ammattiryhma"].unique())),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        path = out_dir / name
        table.to_csv(path, index=False, lineterminator="\n")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    settings = get_settings().data
    parser = argparse.ArgumentParser(prog="python -m forecasting.io.classification_tables")
    parser.add_argument("--shared", type=Path, default=settings.shared_data_dir)
    parser.add_argument("--out", type=Path, default=settings.snapshot_dir / "classifications")
    args = parser.parse_args(argv)
    for path in write_tables(args.shared, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
