"""Lock and requirements files, read into one model (`mlgate.locks.model`).

One module per format: `requirements` (requirements*.txt, constraints, pyproject.toml's
[project.dependencies]), `uv_lock`, `pylock` (PEP 751), `poetry_lock`, `pipfile_lock`.
Each exposes `parse(text, path) -> ParsedLock`; `detect.parse_lock(path)` picks the format.
"""
