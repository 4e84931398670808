"""The probe: the only mlgate code that runs inside the project's interpreter.

A small package of standard-library modules, one per command, run by path as
`python -I <this folder>/__main__.py <command>` from a folder outside the repository (never
as a -c string: Windows caps a command line at 32 KB). It supports Python 3.8+ and answers
with one JSON object on stdout. Run that way, its modules are loaded under the package name
`_mlgate_probe`, by path, without touching sys.path: nothing of it becomes importable by
the project's code, and nothing of the project can stand in for it.

- `environment`: markers and installed distributions (the lock check), versions;
- `sklearn_pairs`: which scikit-learn pairs an artifact may name;
- `verify`: dtype states and object states checked before anything is unpickled;
- `load`: the sandboxed, restricted load of one artifact;
- `exercise`: the loaded model's expected input, sample prediction and latency;
- `__main__`: reads the command and its parameters, answers.
"""
