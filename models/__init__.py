"""The mathematics of Ennakointi: estimators (fit -> result) and numba kernels.

numpy in, numpy out. This package never imports xarray, ``forecasting``, prefect or
fastapi, never opens files or sockets and reads no settings.
"""
