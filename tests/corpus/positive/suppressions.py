"""Inline suppressions: a matching code is silenced, any other code is still reported."""
import os

LEGACY_DIR = "/home/ana/legacy-runs"  # mlgate: ignore[MLG101]
SCRATCH_DIR = "/scratch/ana/tmp"  # mlgate: ignore[MLG101]
MIRRORS = ("/home/ana/mirror", "/mnt/mirror/b")  # mlgate: ignore[MLG101]
EXTERNAL = "/Volumes/T7/exports"  # mlgate: ignore
# mlgate: ignore[MLG101]
NEXT_LINE = "/home/ana/not-covered"
WIN_EXPORT = r"C:\Users\ana\exports"  # noqa: E501

for folder in (LEGACY_DIR, SCRATCH_DIR, *MIRRORS, EXTERNAL, NEXT_LINE, WIN_EXPORT):
    print(folder, os.path.isdir(folder))
