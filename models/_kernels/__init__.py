"""Private numba kernels: arrays and scalars in, preallocated ``out`` filled. No API promise."""
