"""Side-by-side benchmarks of gistool against the libraries users would otherwise use."""
