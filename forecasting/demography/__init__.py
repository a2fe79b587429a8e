"""Demography: cohort-component population projections, labour supply and retirements.

Public API::

    project_population(cubes, *, base_year=None, until=None, scope="area", area="TA23",
                       draws=1000, seed=None, assumptions=None)
    population_frame(cubes, ...)   # the same as long rows for CSV
    labour_supply(cubes, ...)      # employed residents, labour force, working-age population
    retirements(cubes, ...)        # exits from employment by age (replacement demand)
    project_regions(cubes, ...)    # the 19 regions from their own single ages (base 1994..)
    balance(commuting, jobs, labour_force)  # jobs and workers via commuting, with a flag

``cubes`` maps cube names to datasets (an :class:`forecasting.io.inputs.Inputs`): the caller
assembles them; nothing here loads or caches data. Which cubes: :data:`CUBES` (any base
year), :data:`BASE_CUBES` (a base year after the single-age population of 2019, e.g. 2025),
:data:`LABOUR_CUBES` (labour supply, retirements). ``base_year=None`` is the latest year with
data; a year without data raises :class:`~forecasting.errors.ValidationError` naming the cube.

with assumptions in :mod:`forecasting.demography.assumptions`. Methods:
``docs/methods/demography.md``; figures: ``docs/results/demography.md``.
"""

from forecasting.demography._data import BASE_CUBES, CUBES, LABOUR_CUBES
from forecasting.demography.assumptions import (
    DEFAULT_ASSUMPTIONS,
    DemographyAssumptions,
    FertilityAssumption,
    LabourAssumption,
    MigrationAssumption,
    MortalityAssumption,
)
from forecasting.demography.balance import balance
from forecasting.demography.base import base_years
from forecasting.demography.labour import labour_supply, retirements
from forecasting.demography.projection import population_frame, project_population
from forecasting.demography.regional import project_regions

__all__ = [
    "BASE_CUBES",
    "CUBES",
    "DEFAULT_ASSUMPTIONS",
    "LABOUR_CUBES",
    "DemographyAssumptions",
    "FertilityAssumption",
    "LabourAssumption",
    "MigrationAssumption",
    "MortalityAssumption",
    "balance",
    "base_years",
    "labour_supply",
    "population_frame",
    "project_population",
    "project_regions",
    "retirements",
]
