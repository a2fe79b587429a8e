"""Demography: cohort-component population projections, labour supply and retirements.

Public API::

    project_population(base_year=2019, until=2040, scope="area", area="TA23", draws=1000, seed=None)
    population_frame(...)   # the same as long rows for CSV
    labour_supply(...)      # employed residents, labour force, working-age population, ratios
    retirements(...)        # exits from employment by age, the base of replacement demand

with assumptions in :mod:`forecasting.demography.assumptions`. Methods:
``docs/methods/demography.md``; figures: ``docs/results/demography.md``.
"""

from forecasting.demography.assumptions import (
    DEFAULT_ASSUMPTIONS,
    DemographyAssumptions,
    FertilityAssumption,
    LabourAssumption,
    MigrationAssumption,
    MortalityAssumption,
)
from forecasting.demography.labour import labour_supply, retirements
from forecasting.demography.projection import population_frame, project_population

__all__ = [
    "DEFAULT_ASSUMPTIONS",
    "DemographyAssumptions",
    "FertilityAssumption",
    "LabourAssumption",
    "MigrationAssumption",
    "MortalityAssumption",
    "labour_supply",
    "population_frame",
    "project_population",
    "retirements",
]
