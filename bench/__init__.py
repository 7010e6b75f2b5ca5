"""`make bench`: the system at province scale (`python -m bench`, N households from `BENCH_N`)."""
