"""Model artifacts: what a file is (`container`), and whether its pickle stream is safe to
load, judged without importing or unpickling anything (`pickle_scan`)."""
