"""Array layout and codes of the labour-flow kernels (see :mod:`models._kernels.labourflow`).

Plain module constants: numba reads them as compile-time constants, so band loops over
``range(N_BANDS)`` unroll.
"""

from __future__ import annotations

#: Unemployment duration bands 0-3, 3-6, 6-12, 12+ months (``D``).
N_BANDS = 4
#: Jobseeker groups (``G``): 0 regular, 1 the displaced cohort of the scenario's direct events.
N_GROUPS = 2
#: Event kinds of the schedule (``ev_kind``).
EV_LAYOFF_COHORT = 0
EV_LAYOFF = 1
EV_VACANCIES = 2
EV_TEMP_START = 3
EV_TEMP_END = 4
#: Cells up to this size draw one uniform per person instead of three binomials.
SMALL_CELL = 160
#: Most draws one thread runs side by side, one draw per vector lane (the steps' ``_lanes``
#: forms); 32 measured best on the TA23 runs (8: about 2 % less kernel CPU than draw by
#: draw, 16: 5 %, 32 and 64: 11-12 %, the jobseekers' step alone in lanes).
LANES = 32
#: Binomials of up to this many trials are drawn trial by trial.
BERNOULLI_MAX = 16
#: Above this many hires to place, a multinomial by conditional binomials is cheaper than
#: one uniform per hire (22 industries: up to about 160 hires, one uniform per hire costs
#: less than the 22 binomials with their logarithms; measured on the TA23 scenario runs).
MANY_HIRES = 160
#: Columns of ``out_cohort``: cumulative displaced, re-employed, exited; unemployed now.
COHORT_SIZE, COHORT_REEMPLOYED, COHORT_EXITED, COHORT_UNEMPLOYED = 0, 1, 2, 3
#: Columns of ``out_flows``: cumulative entries, cumulative exits (persons).
FLOW_ENTRIES, FLOW_EXITS = 0, 1
