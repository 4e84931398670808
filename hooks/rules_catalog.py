"""The rule registry: every code's default severity and documentation, in one place.

docs/rules.md's rule tables and README.md's rules table are generated from it
(`python -m mlgate.rules_catalog --write`, between `<!-- rules:... -->` markers; the prose
around them is written by hand), SARIF's rule descriptions and `mlgate rule CODE` read it, and
`hooks/codes.py` names each code for the modules that emit it. Fields are markdown; the `plain`
forms drop it for terminals and SARIF.
"""
# mlgate: ignore-file  (the descriptions quote the very paths the rules flag)

from __future__ import annotations

import os
import re
import sys
from typing import NamedTuple

# Where docs/rules.md is published, for SARIF's helpUri; None until the project has a public URL
# (no link beats a dead one).
DOCS_URL: str | None = None


class Rule(NamedTuple):
    severity: str  # the default, before [tool.mlgate] severity
    summary: str  # README's table, `mlgate rule`'s title, SARIF's shortDescription
    what: str  # docs/rules.md: what is flagged
    examples: str = ""  # docs/rules.md (the paths rules)
    fix: str = ""  # what to do
    kind: str = ""  # the lock rules' short name (missing, mismatch, ...)
    severity_note: str = ""  # "(warning where ...)", "/ warning": when the default varies
    why: str = ""  # why it matters
    not_flagged: str = ""  # what the rule deliberately leaves alone

    @property
    def description(self) -> str:
        """What is flagged, with its examples, as plain text."""
        text = plain(self.what)
        return f"{text}, e.g. {plain(self.examples)}" if self.examples else text


def plain(markdown: str) -> str:
    return markdown.replace("`", "").replace("*", "")


def anchor(code: str) -> str:
    """The code's anchor in docs/rules.md."""
    return code.lower()


RULES: dict[str, Rule] = {
    "MLG001": Rule(
        'error',
        summary='a named file cannot be read (missing, FIFO, permission)',
        what='a named file cannot be read: missing, not a regular file (FIFO, '
             'device), permission denied',
        fix='check the path; pre-commit never passes deleted files',
        why='a file mlgate was told to check and could not read was not checked: '
            'saying so keeps a run from passing on what it never saw',
        not_flagged='files git lists that were deleted from the work tree (pre-commit '
            'never passes them); a file over 4 GiB is a warning, not an error',
    ),
    "MLG002": Rule(
        'warning',
        summary='malformed notebook; checked as plain text (warning)',
        what='a notebook is malformed; it was checked as plain text instead',
        fix='fix the file (it will not open in Jupyter either). Malformed or '
            'commented JSON (JSONC: `.vscode/settings.json`, `devcontainer.json`) '
            'is read as text silently',
        why='a notebook that is not valid JSON will not open in Jupyter, and its '
            'code cannot be told from its outputs, so it was checked less '
            'precisely',
        not_flagged='malformed or commented JSON that is not a notebook (JSONC: '
            '`.vscode/settings.json`, `devcontainer.json`), read as text in '
            'silence',
    ),
    "MLG003": Rule(
        'warning',
        summary='a suppression comment that silences nothing: misspelt, unclosed, or an '
                'unknown code (warning)',
        what="a comment that starts like a suppression but is not one: `mlgate: "
             "ignore-files`, `mlgate: ignored`, `mlgate: ignore[MLG101` (no closing "
             "bracket), `mlgate: ignore[E501]` (not an mlgate rule code). It silences nothing; "
             "it would otherwise have silenced more, or less, than it says",
        fix='write `# mlgate: ignore`, `# mlgate: ignore[MLG101, MLG205]`, `# mlgate: '
            'ignore-file` or `# mlgate: ignore-file[MLG103]`, followed by the end of the '
            'line or a blank',
        why='a misspelt directive that silenced a whole file, or one that silently did '
            'nothing, hides what a reviewer thinks is checked',
        not_flagged="the directive's text inside a string or a docstring (it is text, not a "
                    'comment), files too large to read twice (over 4 MB)',
    ),
    "MLG101": Rule(
        'error',
        summary='user home or developer-machine path: `/Users/...`, '
                '`/home/<user>/...`, `/root/...`, `/opt/homebrew`',
        what='user homes and developer-machine locations',
        examples='`/Users/ana/...` (and bare `/Users`), `/home/ana/...`, '
                 '`/private/home/ana/...`, `/userhome/ana/...`, `/root/...`, '
                 '`/opt/homebrew/...`, `/usr/local/Cellar/...`',
        fix='take the location from an environment variable, a configuration file'
            ' or an argument, or build it from the project '
            '(`Path(__file__).parent / "data"`)',
        why="the folder exists on one developer's machine only: the pipeline "
            'fails, or reads something else, in CI, in the container and in a '
            "colleague's checkout",
        not_flagged='comments, docstrings and markdown cells (unless `--scan-comments`), '
            "`~/...` and `$HOME/...`, the container's own folders in Dockerfiles "
            'and compose files (`/home/appuser`, `/root/.cache`), test fixtures, '
            'existence probes (`os.path.exists`), remote paths '
            '(`user@host:/home/...`), URLs and routes',
    ),
    "MLG102": Rule(
        'error',
        summary='mounted volume or data root: `/mnt`, `/media`, `/Volumes`, `/data`, '
                '`/scratch`, `/nfs`, ...',
        what='mounted volumes, data roots and cluster file systems',
        examples='`/mnt/...`, `/media/...`, `/Volumes/...`, `/data/...`, `/data2/...`, '
                 '`/datasets/...`, `/scratch/...`, `/local/scratch/...`, '
                 '`/checkpoint/...`, `/project/...`, `/nfs/...`, `/gpfs/...`, '
                 '`/lustre/...`, `/lus/...`, `/vast/...`, `/glade/...`, `/raid/...`, '
                 '`/fsx/...`, `/efs/...`, `/nas/...`, `/storage/...`, `/disk1/...`, '
                 'roots you add with `roots`, and any non-system absolute path on the '
                 'host side of a volume mapping (`- /opt/team/data:/data`, Slurm pyxis\' '
                 '`--container-mounts=/lab/x:/data`)',
        fix='take the data root from an environment variable, a configuration '
            'file or an argument (`DATA_DIR`), with a relative default',
        why='a mount or data root is set up on one machine or cluster: elsewhere '
            'the path does not exist, or holds other data',
        not_flagged="the container side of a volume mapping (`-v /host:/data`, compose's "
            "`- ./x:/data`) and a container's working folder (`-w`, `--container-workdir`), "
            "`/tmp`, `/opt` (SageMaker's `/opt/ml/...`), "
            'comments, the fragment of a URL (`http://host/#/experiments/1`), probes that '
            'detect a platform (`Path("/checkpoint").is_dir()`; not an `assert` that the '
            'file exists, which says the code needs it)',
    ),
    "MLG103": Rule(
        'error',
        summary='hosted-notebook path: Colab `/content`, Kaggle `/kaggle`, Databricks '
                '`/dbfs`, `dbfs:/`, `/Workspace`',
        what='hosted-notebook platform folders',
        examples="Colab `/content/...` (`drive.mount('/content/drive')`), Kaggle "
                 '`/kaggle/input/...`, Databricks `/dbfs/...`, `dbfs:/...`, '
                 '`/FileStore/...`, `/databricks-datasets/...`, `/Workspace/...`, '
                 '`/databricks/...`',
        fix='read the file through a configured location (an argument, an '
            'environment variable), and keep the platform mount in the notebook '
            'that runs there',
        why='Colab, Kaggle and Databricks folders exist only on those platforms: '
            'the code fails anywhere else, including the serving container',
        not_flagged='existence probes that detect the platform (`if '
            'os.path.exists("/kaggle/input")`), `# MAGIC %md` cells of a '
            'Databricks export, comments',
    ),
    "MLG104": Rule(
        'error',
        summary='Windows drive path, in any spelling (`C:\\`, `C:\\\\`, `C:/`)',
        what='Windows drive paths, in every spelling',
        examples='`C:\\Users\\bob\\x.csv`, `"C:\\\\Users\\\\bob"` in source, `C:/data/x.csv`, '
                 '`C://Users//bob//x.pt`',
        fix='use a relative path or a configured location; `pathlib` joins '
            'portably',
        why="a drive letter names one Windows machine's disk: the path fails on "
            'Linux CI and containers, and on another Windows machine',
        not_flagged='placeholders in templates (`C:\\path\\to\\file`, `C:\\<user>\\...`), '
            'comments, regular expressions',
    ),
    "MLG105": Rule(
        'error',
        summary='UNC network share `\\\\server\\share`',
        what='UNC network shares',
        examples='`\\\\fileserver\\share\\x.csv`',
        fix='copy the data where the pipeline runs, and configure its location',
        why='a network share is reachable from one office network only, with that'
            " user's credentials",
        not_flagged='comments, regular expressions, escaped strings that are not paths',
    ),
    "MLG106": Rule(
        'error',
        summary='`file:` / `sqlite:` URI to such a local path',
        what='`file:` and `sqlite:` URIs whose path would itself be flagged',
        examples='`file:///home/ana/mlruns` (mlflow tracking URIs), `file:///C:/...`, '
                 '`sqlite:////home/ana/airflow.db`; not `file:///app/mlruns` or '
                 '`file:///tmp/...`',
        fix='point the URI at a configured location, a relative path, or a server',
        why='a `file:` or `sqlite:` URI to such a path (an MLflow tracking store,'
            " an Airflow database) points at one machine's disk",
        not_flagged='URIs to system or container paths: `file:///app/mlruns`, '
            '`file:///tmp/...`',
    ),
    "MLG107": Rule(
        'error',
        summary='requirement installed from a local path (`pkg @ file:///...`, `-e '
                '/abs/path`)',
        what='requirements installed from a local path',
        examples='`pkg @ file:///Users/ana/pkg` anywhere (requirements, '
                 '`pyproject.toml`, `environment.yml`, Pipfile); in requirements files '
                 'also `-e /abs/path`, `/abs/pkg.whl`, `--find-links /abs`',
        fix='publish the package to an index or reference it by a VCS URL with a '
            'commit; or vendor it in the repository and install it relatively '
            '(`-e ./libs/pkg`)',
        why='a package installed from a local path cannot be installed anywhere '
            'else: the lock does not reproduce the environment',
        not_flagged='relative local paths (`-e .`, `./libs/pkg`), which travel with the '
            'repository',
    ),
    "MLG108": Rule(
        'error',
        summary='committed symlink to such a path',
        what='a committed symlink whose target is such a path',
        examples='`data -> /Users/ana/Desktop/data`',
        fix='commit the data or a download step instead, or make the link '
            'relative inside the repository',
        why='a committed symlink to such a path is dangling on every other '
            'machine',
        not_flagged='symlinks to relative targets inside the repository',
    ),
    "MLG109": Rule(
        'error',
        summary='machine- or cluster-specific path under no known root, used as a file '
                'path: `/local-scratch/...`, `/groups/lab/...`, `/usr/bmicnas02/...`; '
                'a warning where the use is only likely',
        what='an absolute path under no known root whose first component is neither '
             'a standard system folder (FHS: `/bin` `/boot` `/dev` `/etc` `/lib` '
             '`/lib64` `/opt` `/proc` `/run` `/sbin` `/srv` `/sys` `/tmp`; `/usr` '
             'and `/var` through their standard children) nor a container folder '
             '(`/app`, `/workspace`, `/code`; in a container file, any), used as a '
             'file path: an error where the use is certain (an argument of `open`, '
             '`read_csv`, `Path`, `os.path.join`, `dbutils.fs...`; a shell file '
             "command or the command word; a scheduler's output or working-folder "
             "option; a DVC remote's `url`; a name or key that says path: "
             '`DATA_DIR`, `cache_dir:`, `--log_dir=`, `export HF_HOME=`), a warning '
             'where it is only likely (a name such as `output` or `data`; any other '
             'word of a shell command)',
        examples='`/local-scratch/ana/...`, `/groups/lab/...`, `/staging/...`, '
                 '`/store/...`, `/h/ana/...`, `/usr/bmicnas02/...` (not `/usr/lib/...`)',
        severity_note='(warning where the use is only likely)',
        fix='take the folder from an environment variable, a configuration file '
            'or an argument',
        why='clusters mount their storage at roots no list can hold '
            '(`/groups/<lab>`, `/local-scratch`): used as a file path, such a '
            'root ties the code to that cluster as surely as a home folder does',
        not_flagged='system folders (FHS, judged component by component), container '
            'folders, strings no call, name or command uses as a path, web routes'
            ' (`/v1/models/x`), anything in a container file',
    ),
    "MLG150": Rule(
        'warning',
        summary='such a path in a notebook output (warning)',
        what='such a path in a notebook *output* (stream, traceback, `text/plain`, '
             '`text/html`)',
        examples='a traceback through `/home/ana/.venv/...`; clear outputs before '
                 'committing. The field `rule` names the underlying MLG1xx code',
        fix='clear the outputs before committing (`jupyter nbconvert '
            '--clear-output`, nbstripout)',
        why="a notebook's outputs are committed with it: a traceback or a printed"
            ' path shows where it last ran, and a re-run elsewhere will not match',
        not_flagged='output text that does not read as a file or a folder three levels '
            'deep, whatever its root: Colab\'s "Mounted at /content/drive" (a traceback '
            "frame, a warning's source file, pip's `site-packages` and printed file paths "
            'do count); a link of an HTML output to a route of the notebook\'s server '
            '(`<script src="/nbextensions/google.colab/files.js">`, `/files/`, `/static/`: '
            "a URL, not a file; a link to `/home/...` still counts)",
    ),
    "MLG200": Rule(
        'error',
        summary='a lock or requirements file that cannot be read: not text, invalid '
                'TOML/JSON, a garbage line, an unknown pip option',
        what='the lock cannot be read: not text in its encoding (UTF-8, or '
             'UTF-16/32 by its byte-order mark; once, at the first bad byte), '
             'invalid TOML/JSON, a line that is not a requirement, an unknown pip '
             'option, an unreadable `-r` include; or a lock installed as it is (Pipfile.lock, '
             'pylock.toml) that is incomplete: a package it installs requires one it does '
             'not list (a warning when that requirement holds only under a marker, '
             '`python_version < "3.10"`: the package may not import it here)',
        fix='fix the line',
        kind='malformed',
        why='a lock mlgate cannot read is a lock pip, uv or Poetry may read '
            'differently, or not at all: nothing in it was checked',
        not_flagged='comments, blank lines, environment markers, and the pip options pip '
            'itself accepts in requirements files',
    ),
    "MLG201": Rule(
        'error',
        summary="missing: locked (marker true for the project's Python) but not "
                'installed',
        what="locked, its marker true for the project's Python, not installed (more than"
             " 10 in one lock: one finding at the first, every name in JSON's `packages`;"
             " when most of the lock is missing, its version mismatches are folded in: it"
             " describes another environment); a warning, with its MLG202, in a"
             " requirements file named for development or tests (requirements-dev.txt)",
        fix='install the lock with its tool (`pip install -r`, `uv sync`, `poetry install`,'
            ' `pipenv sync`) or drop the package; a lock of another environment: name the'
            " project's own in `[tool.mlgate.lock] files`",
        kind='missing',
        why='code that runs in this environment has not been tested with what the'
            ' lock ships: production will install a package the tests never saw',
        not_flagged="packages whose environment marker is false for the project's Python "
            '(`; sys_platform == "win32"` on Linux)',
    ),
    "MLG202": Rule(
        'error',
        summary='mismatch: installed version differs from the locked one',
        what='installed version differs from the locked one (PEP 440 equality)',
        fix='reinstall from the lock, or re-lock',
        kind='mismatch',
        why='the environment tests ran in is not the one the lock will build: a '
            'model or a result can change with the version',
        not_flagged='versions equal by PEP 440 (`1.0` and `1.0.0`); local labels only '
            '(MLG203)',
    ),
    "MLG203": Rule(
        'warning',
        summary='local version only: `2.1.0` locked, `2.1.0+cu121` installed (warning)',
        what='same release, different local label (`2.1.0` vs `2.1.0+cu121`)',
        fix='lock the local version if the build matters',
        kind='local-version',
        why='a local label is a different build of the same release (CUDA, CPU): '
            'usually the same behaviour, not always the same numbers',
        not_flagged='releases that differ (MLG202)',
    ),
    "MLG204": Rule(
        'warning',
        summary='undeclared: installed, declared nowhere (locks, extras, dev groups), '
                'and required by nothing declared (warning)',
        what='installed, in no lock found (dev and test files and subfolders '
             'included) and in no `pyproject.toml` dependency, extra or dependency '
             'group (PEP 735, uv, PDM, Poetry), and not required (through installed '
             'metadata, with the extras asked for: `uvicorn[standard]`) by anything '
             'declared or by the project itself; pip, setuptools and wheel '
             'excepted; not judged while a lock cannot be read',
        fix='add it to the lock (a development tool: to requirements-dev.txt or a '
            'dev group, which count as declared), uninstall it, or `ignore-packages`',
        kind='undeclared',
        why='a package installed but declared nowhere is one the code may import '
            'without the lock knowing: the deployment will not have it',
        not_flagged='pip, setuptools and wheel; what a declared package requires (with '
            'its extras); dev and test files and dependency groups; '
            '`ignore-packages`',
    ),
    "MLG205": Rule(
        'error',
        summary='unpinned: a requirement not pinned with `==`/`===` (pyproject.toml '
                'only when no lock pins its folder)',
        what='a requirement not pinned with `==`/`===` (a VCS URL without a commit '
             'counts); in `pyproject.toml` only when no lock file lives in its '
             'folder or a folder above it (with `[tool.mlgate.lock] files`: when '
             'none is listed); never in `.in` files. A warning in a development lock '
             '(`requirements-dev.txt`, `requirements-test.txt`): it does not ship',
        fix='pin the version you tested (the hint names it)',
        kind='unpinned',
        why='a range installs whatever is newest on the day of the build: two '
            'builds of one commit can differ',
        not_flagged='`pyproject.toml` dependencies when a lock pins their folder; `.in` '
            'files (pip-tools inputs)',
    ),
    "MLG206": Rule(
        'error',
        summary='source: a VCS/URL install whose commit or URL differs from the lock',
        what='a VCS/URL requirement installed from another commit or URL, or from '
             'an index',
        fix='reinstall from the lock',
        kind='source',
        why='the same version string from another commit or URL is other code',
    ),
    "MLG207": Rule(
        'error',
        summary='unhashed: no `--hash` when `--require-hashes` or `require-hashes = '
                'true`',
        what='no `--hash` while `--require-hashes` (anywhere in the run) or '
             '`require-hashes = true`',
        fix='generate hashes',
        kind='unhashed',
        why='`--require-hashes` makes pip refuse the whole install when one '
            'requirement lacks a hash',
        not_flagged='files that do not ask for hashes',
    ),
    "MLG208": Rule(
        'error',
        summary="stale: a version the lock pins that its manifest (Pipfile, pyproject.toml) "
                'no longer allows',
        what='a version Pipfile.lock, uv.lock, poetry.lock or pylock.toml pins that its '
             "manifest beside it no longer allows (Pipfile's `==1.3.0` while the lock "
             "has 1.3.2; Poetry's `^2.0` while poetry.lock has 1.5): the lock was not "
             'made again after the manifest changed; or a requirement the manifest gained '
             'that the lock does not hold at all; for uv.lock, also any difference between '
             "pyproject.toml and what uv recorded of it (a dependency added that the lock "
             'held only as another\'s, one removed, one moved to an extra or a group, '
             'another requires-python): what `uv lock --check` compares; for Pipfile.lock, '
             "also a hash of the Pipfile (`_meta.hash`) other than the Pipfile's, in "
             "either of the ways pipenv computes it: what `pipenv install --deploy` "
             'compares',
        fix='re-lock (`pipenv lock`, `uv lock`, `poetry lock`), then install the lock',
        kind='stale',
        why="`pipenv install --deploy`, `uv sync --locked` and `poetry install` refuse "
            'or warn about such a lock, and what the manifest says is not what ships',
        not_flagged="VCS and path requirements, Poetry constraints with `||`, and what "
            "pyproject.toml asks for that a pylock.toml (exported for one use) leaves out",
    ),
    "MLG209": Rule(
        'warning',
        summary="the image's Python is not the environment's: a Dockerfile builds on another "
                'Python than the one the lock was checked with (error when the image '
                'cannot install the lock)',
        what="a Dockerfile that installs the lock (it names the file), or the project "
             "itself (`pip install .`), builds on "
             "a Python X.Y image while the project's environment, which mlgate checked the lock "
             'and the models against, runs another Python: a warning; an error when the '
             "lock's markers (`python_version >= \"3.12\"`, as `poetry export` writes them) "
             'select none of its packages on the image\'s Python, so the image installs '
             'nothing and the service cannot start, or an older image\'s markers skip '
             'packages the project\'s Python installs (a lock made for a newer Python), '
             'or when a pinned version requires '
             'another Python (its installed metadata\'s `Requires-Python`: numpy 2.4 needs '
             '3.11), so `pip install` fails in the build. Reported at the FROM line',
        fix="build on the Python the project uses (`FROM python:3.12-slim`), or make the "
            "lock for the image's Python",
        kind='image-python',
        why='versions, markers and pickled models are checked for one Python; an image '
            'on another one ships something nobody checked, and markers can leave it '
            'empty',
        not_flagged='images whose FROM line does not say their Python (`ubuntu:22.04`, '
                    '`python:3`); it does when the repository is named `python` '
                    '(`python:3.12-slim`, `public.ecr.aws/lambda/python:3.11`) or the tag '
                    'names it (`tiangolo/uvicorn-gunicorn-fastapi:python3.11`, '
                    '`...:py3.10`), an `ARG` default included; Dockerfiles that install '
                    'neither the lock nor the project',
    ),
    "MLG210": Rule(
        'error',
        summary='a Dockerfile installs a package by name, not from the lock '
                '(`RUN pip install scikit-learn`)',
        what="a RUN instruction of a Dockerfile git lists gives `pip install` (`pip3`, "
             "`python -m pip`, `uv pip`) a package by name without an exact pin "
             "(`==X.Y.Z` or `===`): `fastapi`, `scikit-learn>=1.3`, `pandas==2.*`. The "
             "image gets whatever version is newest the day it is built, whatever the lock "
             "pins. Reported at the package's name; the hint names the version the "
             "project's environment runs. A warning: the project itself installed (`pip "
             "install .`, `uv pip install -e .`) by a Dockerfile that installs no lock, "
             "so its dependencies come from pyproject.toml's ranges",
        fix="install the lock in the image (`COPY requirements.txt .` and `RUN pip install "
            "-r requirements.txt`), or pin each package to the version you tested",
        kind='image-unpinned',
        why="a model pickled with scikit-learn 1.6 in an image that installs 1.9 warns or "
            "fails at load, and the image you test today is not the one you build "
            "tomorrow: a lock the image does not use locks nothing",
        not_flagged='installers and build tools (`pip`, `setuptools`, `wheel`, `uv`, '
                    '`poetry`, ...), files, paths, URLs, `name @ url`, arguments built from '
                    'variables (`$PKG`), `-r`/`-c` arguments, the project installed after '
                    'a lock or with `--no-deps`; development and test '
                    'images (any hidden folder such as `.devcontainer/`, `Dockerfile.dev`, '
                    '`test.Dockerfile`, `Dockerfile-jupyter`)',
    ),
    "MLG211": Rule(
        'error',
        summary='the service imports a package no lock installs',
        what="a module of the serving code (a tracked file that imports a web framework: "
             "FastAPI, Flask, Streamlit, Gradio, ..., and the project's own modules it "
             "imports) imports a third-party module that no package the locks install, "
             "directly or through their requirements, provides. Reported at the import; "
             "the hint names the installed distribution that provides it",
        fix='add that package (pinned) to the lock, or remove the import',
        kind='service-import',
        why='a lock that passes every version check can still miss what the API imports '
            '(installed on the developer\'s machine by hand): the service, installed '
            'from the lock, dies at start with ModuleNotFoundError',
        not_flagged='the standard library; the project\'s own modules; imports guarded by '
            '`try: ... except ImportError` or `if TYPE_CHECKING:`; code outside the '
            'serving modules (training scripts, tests, notebooks); packages in '
            '`[tool.mlgate.lock] ignore-packages`; a project without a lock',
    ),
    "MLG212": Rule(
        'error',
        summary='a serving module does not parse',
        what="a module of the serving code (see MLG211) that Python cannot parse: a "
             "SyntaxError, IndentationError or TabError, at the line it names",
        fix='fix the file (`python -m py_compile FILE` shows the error) and commit it',
        kind='service-syntax',
        why='the service fails at start on the first import of that module, and mlgate '
            'cannot read what the module imports (MLG211 would stay silent)',
        not_flagged='code outside the serving modules (training scripts, tests, notebooks); '
                    'a project without a lock',
    ),
    "MLG213": Rule(
        'error',
        summary='the service imports a name its installed module does not define',
        what="a module of the serving code (see MLG211) does `from module import name` "
             "where the module comes from a package the locks install, and that package, "
             "as installed in the project's environment, defines no such name (nor a "
             "submodule of it): `from prediction import get_prediction` when the lock "
             "pins the unrelated PyPI package `prediction` in place of the project's own "
             "module; or that module is not valid Python for the project's interpreter "
             "(a Python 2 package of the name the code means, such as `jose` for "
             "python-jose's `from jose import jwt`). Read with `ast`, never imported. A "
             "warning when the import runs only inside a function",
        fix="if the module was meant to be one of yours, commit it under that name or fix "
            "the import; if it is the package's, import a name it defines or pin the "
            "version that defines it",
        kind='service-name',
        why='the lock installs the package, so every version check passes, and the '
            'service still dies at start with ImportError',
        not_flagged="submodules (`from pkg.sub import name`: another module may assign "
                    "names onto them at run time, as matplotlib's backends get theirs); "
                    "imports under `if`, `try`, `match` or a loop (a version shim's); "
                    "modules that define names at run time (a module `__getattr__`, "
                    "`globals()`, `exec`, star imports, `sys.modules`), compiled modules, "
                    "namespace packages, modules over 1 MiB, packages that several "
                    "distributions share; everything MLG211 leaves out",
    ),
    "MLG214": Rule(
        'error',
        summary='a lock git does not track: the commit ships without it',
        what="a lock or requirements file mlgate found in the work tree (and compared with "
             "the environment) that git neither tracks nor ignores: the commit, and every "
             "checkout of it, has none of what it pins (a `uv.lock` that `uv sync` wrote and "
             "nobody added, while pyproject.toml asks for bare names)",
        fix="`git add` it; if it is not the project's lock, ignore it (.gitignore) or list it "
            "in [tool.mlgate] exclude",
        kind='untracked',
        why='the lock passes on the developer\'s machine while the deployment, built from '
            'the commit, installs whatever versions are newest that day',
        not_flagged="outside a git repository; pyproject.toml (the manifest, not a lock); a "
                    "lock git ignores (never read: what it pins counts as absent)",
    ),
    "MLG215": Rule(
        'error',
        summary='a lock whose pins conflict: pip cannot install it',
        what="a requirements file pinning a package whose installed metadata (the very "
             "version pinned) requires another pinned package in a range its pin is outside "
             "(`pandas==3.1.1` requires numpy>=2.0.2, the file pins `numpy==1.26.4`): `pip "
             "install -r` stops with ResolutionImpossible, and the environment it was checked "
             "in is not what the lock makes",
        fix="pin versions that agree: install the file in a fresh environment and `pip "
            "freeze` what resolves, or let pip-compile or uv write the pins",
        kind='conflict',
        why='a deployment built from the lock fails at its install step; pins edited by hand '
            '(to follow a hint: `numpy<2` for an old pickle) are how a file gets there',
        not_flagged="a pin whose installed version is another (its metadata is not the "
                    "pinned version's); requirements the project's interpreter's markers "
                    "exclude; development requirements files; uv.lock, poetry.lock, "
                    "Pipfile.lock and pylock.toml, which their tools resolve",
    ),
    "MLG301": Rule(
        'error',
        summary='an artifact references a global that is not on the allow-list '
                '(`posix.system`, `builtins.eval`, ...)',
        what='a global that is not on the allow-list (`posix.system`, '
             '`builtins.eval`, `pkgutil.resolve_name`, `numpy.load`, dotted names '
             'through allowed modules, ...). A global pickle exploits are built on '
             'stops the scan, and stays an error when `allow` or `trust-modules` '
             'lets it through; every other one (a class mlgate does not vet) is '
             'reported in the same run, and the text report ends with one '
             '`[tool.mlgate.artifact]` allow list naming them all',
        fix='if the class is yours and you trust the artifact, paste the allow '
            'snippet the report ends with (or list its module in '
            '`trust-modules`); never load an artifact you do not trust, and '
            're-create it with `joblib.dump` from ordinary objects',
        why='unpickling imports and calls what the file names: a global that is '
            'not on the allow-list can run any code on the machine that loads it '
            '(your laptop, CI, the server)',
        not_flagged="scikit-learn's classes, the vetted classes of pandas, XGBoost, "
            "LightGBM, CatBoost, imbalanced-learn, category_encoders and feature-engine, numpy's "
            'types, common value types (dates, Decimal, UUID, paths, time zones),'
            " and the project's own estimators and functions in git-tracked "
            "modules, each verified in the project's environment",
    ),
    "MLG302": Rule(
        'error',
        summary='an artifact does something the static scan cannot vouch for (a call '
                'on a computed value, an undefined memo key, extension codes, '
                'persistent ids)',
        what='what cannot be resolved with certainty: STACK_GLOBAL with '
             'non-constant operands, a call on a computed value, BUILD on a class, '
             'an undefined memo key, EXT codes, persistent ids, out-of-band '
             'buffers, a joblib array of unknown size, an `.npy` dtype that cannot '
             'be sized, a value type (datetime, Decimal, UUID, deque, ...) in a '
             'form CPython never writes, the array bytes of a joblib < 1.2 file '
             'that pickle.load would read as opcodes importing or calling something',
        fix='re-create the artifact with `joblib.dump` or `pickle.dump` from '
            'ordinary objects',
        why='a pickle that does what no writer does (a call on a computed value, '
            'an object state in a shape its class never writes) is how crafted '
            'files slip past a list of names',
        not_flagged="every form CPython's pickler (protocols 0-5), joblib (0.12 on) and "
            'the vetted libraries write',
    ),
    "MLG303": Rule(
        'error',
        summary='an artifact needs a class defined in `__main__` (a script or notebook)',
        what='a class from `__main__`: defined in a script or notebook; move it '
             'into an importable module',
        fix='move the class into an importable module of the project, import it '
            'from there, and dump the model again',
        why='a class defined in a script or notebook pickles as `__main__.Name`: '
            'no other program can load it, the server included',
        not_flagged='classes of importable modules',
    ),
    "MLG304": Rule(
        'error',
        summary='not a model artifact: empty, a Git LFS pointer (warning), not a '
                'pickle, a zip that is not an .npz (warning)',
        what='not an artifact: empty, not a pickle; an archive holding a model '
             'mlgate cannot check inside (a `.tar`/`.tar.gz` with a model in it, a zip '
             'of one pickle or with a member named as a model, a zstd file: '
             'pandas.read_pickle or a deployment that unpacks it loads the model); a '
             'Git LFS pointer, other zip archives that are neither `.npz` nor `.skops`, '
             'and `.skops` with `--no-load` are warnings',
        severity_note='/ warning',
        fix='commit the real file (`git lfs pull` where mlgate runs), commit the '
            'model itself rather than an archive of it, or exclude the file',
        why='a file that looks like a model but is not one (empty, a Git LFS '
            'pointer, another format) means the model was not committed, or not '
            'checked',
        not_flagged='files that are not artifacts by name or content',
    ),
    "MLG305": Rule(
        'error',
        summary='a damaged artifact: truncated, inconsistent frames, data after STOP, '
                'a corrupt or oversized compressed stream',
        what='damaged: truncation, inconsistent FRAMEs, data or a second pickle '
             'after STOP, a joblib array past the end of the file, a corrupt, '
             'truncated or oversized compressed stream, a bad `.npy` header, an '
             '`.npz` member that is not `.npy`',
        fix='re-create the artifact; the file is damaged or was tampered with',
        why='a damaged file fails to load in production, or was altered after it '
            'was written',
        not_flagged='compressed joblib files of every compressor joblib writes (zlib, '
            'gzip, bz2, xz, lzma, lz4)',
    ),
    "MLG306": Rule(
        'error',
        summary="pickled with another scikit-learn than the project's environment has "
                'or the lock pins; numpy 1.x/2.x layout',
        what='the `_sklearn_version` an estimator recorded differs from the project '
             "environment's scikit-learn, or from the lock's pin, or scikit-learn names "
             'a version while loading that the file does not record (a state without '
             '`_sklearn_version` is "pre-0.18" to it); numpy 2 paths '
             'under numpy < 1.26 (error), numpy 1.x paths under numpy 2 (warning)',
        severity_note='/ warning',
        fix='re-train and dump with the versions the project ships, or pin the '
            'version the artifact was made with',
        why='scikit-learn does not promise that a model pickled by one version '
            'behaves the same, or loads, under another',
        not_flagged='artifacts of libraries that record no version',
    ),
    "MLG307": Rule(
        'error',
        summary='a module the artifact needs does not import: not installed (is it in '
                'the lock?), or not on the import roots',
        what='a module the artifact needs does not import: not installed (the '
             'message says whether the lock has it), not on the import roots (the '
             'hint names the folder to add to `pythonpath`), or a submodule the '
             'installed version no longer has',
        fix='add the package to the lock, or the folder to '
            '`[tool.mlgate.artifact] pythonpath` (the hint names it)',
        why='a module the artifact needs that does not import means the model '
            'cannot load where the lock is installed',
        not_flagged='modules the artifact does not name',
    ),
    "MLG308": Rule(
        'error',
        summary='a class the artifact needs no longer exists in the installed version',
        what='a class the artifact needs does not exist in the installed module '
             '(renamed or removed)',
        fix='re-train and dump with the versions the project ships, or pin the '
            'version the artifact was made with',
        why='a class renamed or removed by an upgrade leaves the model unloadable',
    ),
    "MLG309": Rule(
        'error',
        summary='loading failed: an exception, the timeout, the memory limit, a crash, '
                'a module only the repository provides',
        what='loading failed: an exception (type and first line, no traceback), the '
             'timeout, the memory limit, a crash (signal), a module only the '
             'repository provides',
        fix="load it yourself in the project's environment to see the whole "
            'error; raise `load-timeout` or `memory-limit-mb` if it is really '
            'that slow or large; when the sandbox stopped the load, the file runs '
            'a program, opens a connection or carries code (a function pickled by '
            'value): ship data instead (rebuild such an object when the service '
            'starts), or list a file you trust in `exclude` to ship it unchecked',
        why="a model that does not load in the project's environment will not "
            'load in production either',
    ),
    "MLG310": Rule(
        'warning',
        summary='loading the artifact raised a warning: a library reads it with other '
                'code than wrote it (often another version)',
        what='loading the artifact raised a warning: a library reads it with other '
             'code than wrote it (often another version)',
        fix='re-create the artifact with the versions the project ships, or pin '
            'the ones it was made with',
        why='a load that warns usually means other code reads the model than '
            'wrote it (another version): predictions may differ',
    ),
    "MLG311": Rule(
        'error',
        summary='the model needs a library the lock does not install (`xgboost`, `pandas`, '
                '...)',
        what="the artifact pickles objects of a library (scikit-learn, XGBoost, LightGBM, "
             "CatBoost, pandas, imbalanced-learn, category_encoders, ...) that the "
             "project's lock neither pins nor brings in through what it pins (read from the "
             "installed metadata): a service installed from the lock fails to load the "
             "model with `No module named ...`. The hint names the version the project's "
             "environment runs",
        fix='add the library to the lock at the version the model was trained with '
            '(`xgboost==2.1.4`), and re-lock',
        why='the model loads on the laptop, where the library happens to be installed, and '
            'nowhere the lock builds',
        not_flagged='projects with no lock (the lock check says so), libraries the lock '
                    'brings in as a dependency of one it pins (pandas through '
                    'category-encoders), the project\'s own modules',
    ),
    "MLG312": Rule(
        'error',
        summary='an artifact is an estimator that was never fitted',
        what="the artifact, once loaded in the sandbox, is a model (an estimator with "
             "`predict`, or a Pipeline whose final step is one) of scikit-learn or its "
             "ecosystem (XGBoost, LightGBM, CatBoost, imbalanced-learn, category_encoders, "
             "feature-engine) that scikit-learn's own `check_is_fitted` says was never "
             "fitted: the estimator was dumped before `fit`, or a fresh one was made by "
             "mistake. The message is scikit-learn's",
        fix='call fit() on the training data, then dump the fitted estimator',
        why='an unfitted model loads without a word and fails every request with '
            'NotFittedError; without a sample, nothing else would say so',
        not_flagged="transformers (a stateless one, such as HashingVectorizer, has "
                    "nothing to fit and no attribute to show it was); the project's own "
                    "classes, also as a Pipeline's final step (yours may keep its model "
                    "in `self.model`); estimators inside a dict or list bundle; "
                    "scikit-learn releases whose check_is_fitted cannot be asked",
    ),
    "MLG313": Rule(
        'warning',
        summary='the serving code loads a model file that mlgate did not check',
        what="the project's serving code (a file that imports FastAPI, Flask, Streamlit "
             'or another serving framework, is named for serving (`app.py`, `serve.py`, '
             '`batch_predict.py`, ...) or is what a Dockerfile or Procfile runs, and the '
             'project modules it imports) loads a model (`joblib.load`, `pickle.load(open(P, '
             '"rb"))`, `InferenceSession(...)`, a library\'s `load_model(...)`) from a path '
             'mlgate can follow (literals, `__file__`, a config module\'s constant, a '
             'settings field or its `.env` variable, `self.x`, a parameter\'s default or '
             'what callers pass, `os.getenv` defaults, a Dockerfile\'s image path), and that '
             'file is not among the artifacts mlgate checked: git ignores it, it is absent, '
             '`exclude` leaves it out, it lies outside the audited folder, or it is a format '
             'mlgate does not check (ONNX, Keras, PyTorch, ...). `mlgate audit` then says the '
             'artifact pillar was NOT CHECKED',
        fix='commit the model the service loads, or declare it where it is fetched before '
            'mlgate runs (`[tool.mlgate.models.NAME] artifact = "..."`); a load of a file the '
            'service does not need takes `# mlgate: ignore[MLG313]` on its line',
        why='READY must mean the model the service loads was checked: an older model '
            'tracked beside a git-ignored one it replaced would otherwise vouch for it',
        not_flagged="tests, notebooks and their exports, training scripts, Django "
                    "migrations; values known only at run time (a request's field, a JSON "
                    "config's key); hub and registry names (`whisper.load_model(\"base\")`, "
                    "`name:tag`); a batch job's input data under `data/`; absolute paths no "
                    "Dockerfile maps and URIs (the paths check has those); a parameter "
                    "default every caller overrides",
    ),
    "MLG400": Rule(
        'error',
        summary="a model's sample, contract or artifact cannot be used: unreadable, "
                'missing, malformed, a class not found, an artifact that does not pass '
                'the artifact check',
        what="a model's sample, contract or artifact cannot be used: unreadable, "
             'missing, malformed, a class not found, an artifact that does not pass '
             'the artifact check',
        fix="fix the file named, or the model's entry in "
            '`[tool.mlgate.models.NAME]`',
        why='a model whose sample, contract or artifact cannot be used was not '
            'checked against its input',
    ),
    "MLG401": Rule(
        'error',
        summary='a column the model needs is missing from the sample (warning when the '
                'model has it but does not read it); the hint names a close match, if '
                'renamed',
        what='a column the model needs is missing from the sample (warning when the '
             'model has it but does not read it); the hint names a close match, if '
             'renamed. A value its DictVectorizer reads as nothing (a number for a key it '
             'knows only as text, or the reverse) is missing too: it is dropped',
        fix='add the column to the sample (the hint names a close match if it was'
            ' renamed), or re-train without it',
        why='a request without a column the model reads fails at the first '
            'prediction, or is filled with NaN and predicts nonsense',
        not_flagged='columns the model was fitted with but never reads (a warning)',
    ),
    "MLG402": Rule(
        'warning',
        summary='a sample column that is not a model input: it will be ignored',
        what='a sample column that is not a model input: it will be ignored',
        fix='drop the column from the request, or check the model was meant to '
            'use it',
        why='an extra column is ignored by a pipeline that selects its columns, '
            'and refused by a model fitted on exactly its columns',
    ),
    "MLG403": Rule(
        'error',
        summary="the sample's columns (or the contract's fields) are out of order, and the "
                'model checks the order or reads its columns by position',
        what="the sample's columns are out of order, and the model checks the order (it "
             "refuses the sample), or reads its columns by position without checking their "
             "names (LightGBM's scikit-learn API: it answers something else, silently); or "
             "the contract lists the fields of such a model in another order than training "
             "(a warning: the service may order the values itself)",
        severity_note='/ warning',
        fix='send the columns in the training order, list the contract\'s fields in it, and '
            'select the columns by name before predicting (`frame[model.feature_names_in_]`)',
        why='a model that checks column order refuses a request in another order; one that '
            'reads positions predicts on swapped columns',
        not_flagged='order differences a model that selects its columns by name answers '
                    'the same to (a ColumnTransformer)',
    ),
    "MLG404": Rule(
        'error',
        summary='a model fitted without column names gets a sample of another width',
        what='a model fitted without column names gets a sample of another width',
        fix='send exactly the training width, in the training order',
        why='a model fitted on unnamed columns reads them by position: another '
            'width is refused, or misread',
    ),
    "MLG405": Rule(
        'error',
        summary='a column the model needs is not in the API contract (field names or '
                'aliases, as configured)',
        what='a column the model needs is not in the API contract (field names or '
             'aliases, as configured), or a field is declared of a type the model\'s '
             'DictVectorizer reads as nothing (an int for a key it knows only as text)',
        fix='add the field to the request model, or re-train without the column; '
            'compare aliases with `contract-names = "aliases"` if the API renames'
            ' fields',
        why='an API that does not accept a column the model needs cannot serve '
            'it: every request fails, or predicts on a default',
        not_flagged='a column the contract computes from its fields (a pydantic '
            '`@property`, `@computed_field` or `@cached_property` of that name), or one '
            'the model\'s `derived = [...]` lists (the service computes it); with a '
            'contract found as a route\'s body, a warning, unless the route hands the body '
            'to the model as it came (`pd.DataFrame([request.model_dump()])`)',
    ),
    "MLG406": Rule(
        'warning',
        summary='an API contract field that is not a model input',
        what='an API contract field that is not a model input',
        fix='drop the field, or feed it to the model',
        why='an API field the model never reads is accepted and silently ignored',
    ),
    "MLG407": Rule(
        'error',
        summary="the sample does not predict in the project's environment (an "
                'exception, a hang, or not one answer per request row)',
        what="the sample does not predict in the project's environment (an "
             'exception, a hang, or a number of answers other than its rows)',
        fix="call the model's method on the sample in the project's environment "
            'to see the whole error; a CSV sample is read as pandas.read_csv reads it by '
            "default ('None', 'NA', 'null' are missing values, NaN to the model): if the "
            'service reads them as text, set `csv-missing = "empty"` in '
            '`[tool.mlgate.schema]`',
        why="a sample request that does not predict in the project's environment "
            'will not predict in production',
    ),
    "MLG408": Rule(
        'error',
        summary='an empty request hangs (error) or crashes with something other than a '
                'clear validation error (warning)',
        what='an empty request hangs (error) or crashes with something other than a '
             'clear validation error (warning)',
        severity_note='/ warning',
        fix='validate the request before predicting',
        why='an empty request (a client bug, a health check) should get a clear '
            'error, not a hang or a crash deep in the model',
        not_flagged='an empty request refused with a clear validation error (ValueError, '
            'TypeError, KeyError, ValidationError), or answered with an empty '
            'result',
    ),
    "MLG409": Rule(
        'warning',
        summary='the contract, read without importing it, may be incomplete (computed '
                'aliases, a base class not found)',
        what='the contract, read without importing it, may be incomplete (computed '
             'aliases, a base class not found)',
        fix='declare the fields plainly, use `contract-import` (runs the API '
            'module), or exclude MLG409',
        why='a contract read without importing it may miss what only runtime '
            'knows (computed aliases, a base class elsewhere): its comparison is '
            'not exact',
    ),
    "MLG410": Rule(
        'error',
        summary="the contract refuses the sample request: a required field missing, a key"
                " it forbids, a value of another type or out of bounds",
        what="the sample request is one the API's contract refuses: it lacks a required"
             " field, has a key the contract forbids (extra = 'forbid'), or a value of"
             " another type, outside a Literal, or outside a constant bound its Field"
             " declares (gt, ge, lt, le, min_length, max_length); checked whatever the"
             " model's columns",
        fix="fix the sample (a renamed key is named in the hint), or the contract",
        why='a sample the API would refuse with 422 is not a request it accepts: whatever '
            'the model makes of it says nothing about the service',
        not_flagged='null for an optional field; a key the contract does not know when it '
                    'ignores unknown keys (pydantic\'s default): the API drops it, as mlgate '
                    'does for a body whose one field is a list of rows',
    ),
    "MLG411": Rule(
        'warning',
        summary='a model has neither a sample request nor an API contract: its input '
                'was not checked',
        what='a model has neither a sample request nor an API contract: its input '
             'was not checked',
        fix='add `sample = "..."` or `contract = "api.py:Request"` to the model\'s'
            ' `[tool.mlgate.models.NAME]`',
        why="without a sample or a contract nothing compares the model's input "
            'with what it will be sent',
        not_flagged='preprocessors saved beside the model (a scaler), which need no '
            'sample',
    ),
    "MLG501": Rule(
        'error',
        summary='p95 of one single-row request exceeds the latency budget, measured '
                'twice',
        what='p95 of one single-row request exceeds the latency budget, measured '
             'twice',
        fix='make the model smaller or faster, or raise the budget (`budget-ms`) '
            'if the service allows it',
        why="a single-row request over budget on the project's own machine will "
            'be over budget in production, where requests queue',
        not_flagged='the warm-up calls; a p95 over budget once that is within it when '
            'measured again (a noisy machine)',
    ),
    "MLG502": Rule(
        'error',
        summary='latency cannot be measured: the sample does not predict (error), or '
                'there is no sample (warning)',
        what='latency cannot be measured: the sample does not predict (error), or '
             'there is no sample (warning)',
        severity_note='/ warning',
        fix='add a sample that predicts (`sample = "..."`)',
        why='a latency that cannot be measured was not checked',
    ),
    "MLG503": Rule(
        'error',
        summary='a few requests at once (64 copies of the sample\'s row) need more memory '
                'than `memory-mb` (default 2048) beyond the loaded model',
        what='a few requests at once (64 copies of the sample\'s row) need more memory '
             'than `memory-mb` (default 2048) beyond the loaded model; measured as address '
             'space, so memory allocated and never touched counts too',
        fix='find what sizes each row in the model (a stored width or count no array '
            'backs, a polynomial degree, a vocabulary), or raise `[tool.mlgate.latency] '
            'memory-mb` if the service has the memory (0: not checked)',
        why='latency measures time only: a model small on disk whose rows each take 160 MB '
            'answers one request in time and takes the service down under a few',
        not_flagged='what the loaded model itself takes (the load has its own limit); a '
                    'failure of the batch other than memory',
    ),
}

# docs/rules.md's tables: a family's codes and the columns its table shows.
TABLES: dict[str, tuple[str, ...]] = {
    "MLG0": ("severity", "what", "what to do"),
    "MLG1": ("severity", "what is flagged", "examples"),
    "MLG2": ("severity", "kind", "what", "what to do"),
    "MLG3": ("severity", "what"),
    "MLG4": ("severity", "what"),
    "MLG5": ("severity", "what"),
}
_CELLS = {
    "severity": lambda r: f"{r.severity} {r.severity_note}".strip(),
    "what": lambda r: r.what, "what is flagged": lambda r: r.what,
    "examples": lambda r: r.examples, "what to do": lambda r: r.fix, "kind": lambda r: r.kind,
}
_BLOCK_RE = re.compile(r"(<!-- rules:(\w+) -->\n)(.*?)(<!-- /rules -->)", re.S)


def docs_table(family: str) -> str:
    """docs/rules.md's table of one family (MLG1 for MLG1xx), each code linked to its page."""
    columns = TABLES[family]
    lines = ["| code | " + " | ".join(columns) + " |", "|" + " --- |" * (len(columns) + 1)]
    for code, rule in RULES.items():
        if code.startswith(family):
            cells = [_CELLS[c](rule) for c in columns]
            lines.append(f"| [{code}](#{anchor(code)}) | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def pages() -> str:
    """docs/rules.md's rule pages, one anchor per code: what it flags, why it matters, what
    to do, and what it deliberately leaves alone."""
    parts = []
    for code, rule in RULES.items():
        severity = f"{rule.severity} {rule.severity_note}".strip()
        what = f"{rule.what}, e.g. {rule.examples}" if rule.examples else rule.what
        lines = [f'### <a id="{anchor(code)}"></a>{code}: {rule.summary}', "",
                 f"- **Severity:** {severity} (by default)", f"- **Flags:** {what}"]
        if rule.why:
            lines.append(f"- **Why it matters:** {rule.why}")
        if rule.fix:
            lines.append(f"- **What to do:** {rule.fix}")
        if rule.not_flagged:
            lines.append(f"- **Not flagged:** {rule.not_flagged}")
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def readme_table() -> str:
    """README.md's table: every code and its summary."""
    rows = [f"| {code} | {rule.summary} |" for code, rule in RULES.items()]
    return "\n".join(["| code | what |", "| --- | --- |", *rows]) + "\n"


def render(text: str) -> str:
    """`text` with every `<!-- rules:X -->` block regenerated (X: a family, or `all`)."""
    def block(match: re.Match) -> str:
        name = match.group(2)
        body = (readme_table() if name == "all" else pages() if name == "pages"
                else docs_table(name))
        return match.group(1) + body + match.group(4)

    return _BLOCK_RE.sub(block, text)


GENERATED = ("docs/rules.md", "README.md")


def main(argv: list[str]) -> int:
    """`--write`: regenerate the tables in the files named in GENERATED (from the repository
    root); `--check`: exit 1 when one differs."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    stale = []
    for name in GENERATED:
        path = os.path.join(root, name)
        with open(path, encoding="utf-8", newline="") as handle:
            text = handle.read()
        new = render(text)
        if new != text:
            stale.append(name)
            if "--write" in argv:  # beside, then renamed: never half a file
                with open(path + ".tmp", "w", encoding="utf-8", newline="") as handle:
                    handle.write(new)
                os.replace(path + ".tmp", path)
    if stale and "--write" not in argv:
        print(f"out of date: {', '.join(stale)}; run python -m mlgate.rules_catalog --write")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
