"""What a Dockerfile's `RUN pip install ...` installs by name, without the lock (MLG210).

An image that runs `pip install fastapi scikit-learn` gets whatever versions are newest the
day it is built, not the ones the lock pins and the models were checked with: the lock is
bypassed however exact it is. This reads each RUN instruction (continuation lines joined),
splits it into shell commands, and returns the requirements a pip-like installer (`pip`,
`pip3`, `python -m pip`, `uv pip`) is given by name without an exact pin. Files, paths,
URLs, `name @ url` and arguments built from variables are not names: they are not judged.
"""

from __future__ import annotations

import re
import shlex

from mlgate.lazy_re import LazyPattern

# Installers and build tools: unpinned, they do not change what the service runs.
TOOLING = frozenset({"pip", "setuptools", "wheel", "uv", "poetry", "pipenv", "pip-tools",
                     "pdm", "hatch", "virtualenv", "poetry-plugin-export", "build"})
# pip / uv options that take a value as the next word (`-r requirements.txt`).
_WITH_VALUE = frozenset({
    "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
    "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root",
    "--trusted-host", "--platform", "--python-version", "--implementation", "--abi",
    "--src", "--cache-dir", "--log", "--progress-bar", "--timeout", "--retries", "--proxy",
    "--cert", "--client-cert", "--upgrade-strategy", "--only-binary", "--no-binary",
    "--python", "-p", "--index", "--default-index", "--index-strategy", "--keyring-provider",
    "--config-settings", "-C", "--global-option", "--install-option", "--report",
    "--exists-action", "--group", "--extra", "--overrides", "--override", "--exclude-newer",
    "--resolution", "--prerelease", "--link-mode", "--reinstall-package",
    "--no-build-isolation-package", "--refresh-package", "--upgrade-package", "-P",
})
_RUN_RE = LazyPattern(r"^[ \t]*RUN[ \t]+", re.IGNORECASE | re.MULTILINE)
_SEPARATORS = frozenset({"&&", "||", ";", "|", "&"})
_MAX_TEXT = 1 << 20  # a Dockerfile is small; a bigger one is read this far


def _instructions(text: str):
    """(offset of the command, the command with its continuation lines joined) per RUN."""
    for _, start, arguments in _joined(_RUN_RE, text):
        yield start, arguments


def _joined(pattern, text: str):
    """(match, offset of its arguments, the arguments with continuation lines joined) for
    each instruction `pattern` finds."""
    for match in pattern.finditer(text):
        start = end = match.end()
        while True:
            newline = text.find("\n", end)
            line_end = len(text) if newline < 0 else newline
            if text[end:line_end].rstrip("\r \t").endswith("\\") and newline >= 0:
                end = newline + 1
                continue
            yield match, start, text[start:line_end]
            break


def _commands(command: str) -> list[list[str]]:
    """The simple commands of a shell line (`a && b; c | d`), as words; [] when the line
    does not parse (an unbalanced quote): nothing is judged there."""
    lexer = shlex.shlex(command.replace("\\\n", " ").replace("\\\r\n", " "), posix=True,
                        punctuation_chars=";&|")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        words = list(lexer)
    except ValueError:
        return []
    out: list[list[str]] = [[]]
    for word in words:
        if word in _SEPARATORS or set(word) <= set(";&|"):
            out.append([])
        else:
            out[-1].append(word)
    return [c for c in out if c]


def _install_arguments(words: list[str]) -> list[str] | None:
    """The words after `install` when the command is a pip-like install, else None."""
    index = 0
    while index < len(words) and ("=" in words[index] or words[index].startswith("--")
                                  or words[index] in ("sudo", "env", "exec")):
        # `RUN --mount=type=cache,... pip install`, `PIP_NO_CACHE_DIR=1 pip install ...`,
        # `sudo pip install ...`
        index += 1
    words = words[index:]
    if not words:
        return None
    program = words[0].rsplit("/", 1)[-1]
    rest = words[1:]
    if re.fullmatch(r"python(\d+(\.\d+)?)?", program):
        # `python -m pip`, `python3 -I -m pip`: options, then -m pip
        at = rest.index("-m") if "-m" in rest else -1
        if (at < 0 or rest[at + 1:at + 2] != ["pip"]
                or not all(w.startswith("-") for w in rest[:at])):
            return None
        rest = rest[at + 2:]
    elif program == "uv":
        if rest[:1] != ["pip"]:
            return None
        rest = rest[1:]
    elif not re.fullmatch(r"pip(\d+(\.\d+)?)?", program):
        return None
    # options before the sub-command (`pip --no-cache-dir install`)
    while rest and rest[0].startswith("-"):
        rest = rest[1:]
    if not rest or rest[0] != "install":
        return None
    return rest[1:]


def _named(argument: str, pinned_too: bool = False) -> tuple[str, str] | None:
    """(name, specifier) when the argument names a package from an index without an exact
    pin (with one too, if `pinned_too`); None for a pin, a file, a path, a URL, a variable
    or what does not parse."""
    from packaging.requirements import InvalidRequirement, Requirement

    if (not argument or "$" in argument or "/" in argument or "\\" in argument
            or argument.startswith(".") or "@" in argument
            or argument.lower().endswith((".whl", ".tar.gz", ".zip", ".tgz", ".txt"))):
        return None
    try:
        requirement = Requirement(argument)
    except (InvalidRequirement, ValueError):
        return None
    exact = [s for s in requirement.specifier
             if s.operator == "===" or (s.operator == "==" and not s.version.endswith("*"))]
    if exact and not pinned_too:
        return None
    name = re.sub(r"[-_.]+", "-", requirement.name).lower()
    if name in TOOLING:
        return None
    return requirement.name, str(requirement.specifier)


class _Positions:
    """(line, column) of an offset, from the line starts found once: counting the newlines
    before each of 200,000 arguments of one long RUN line took 73 s (reliability round 34)."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, at: int) -> tuple[int, int]:
        import bisect

        line = bisect.bisect_right(self.starts, at)
        return line, at - self.starts[line - 1] + 1


def unpinned_installs(text: str, pinned_too: bool = False) -> list[tuple[int, int, str, str]]:
    """(line, column, name, specifier or "") for each package a RUN's pip-like install is
    given by name without an exact pin (`==`, `===`); every package it is given by name,
    if `pinned_too` (what the image has besides the lock)."""
    return [found[:4] for found in image_installs(text, pinned_too)]


def image_installs(text: str, pinned_too: bool = False
                   ) -> list[tuple[int, int, str, str, tuple[str, ...]]]:
    """`unpinned_installs`, each with the locks the image installs (anywhere: a builder
    stage's packages are what a multi-stage build copies or builds on): the file names of
    `pip install -r requirements.txt` (named as a lock) and the tools of `pipenv install
    --deploy`, `uv sync`, ... (their first word). A package a lock the project has pins
    then ends at the lock's version, installed over the one by name or kept by pip as
    satisfied (new-user trial 43 F4: `pip install gunicorn flask` after the lock's flask
    2.2.2 was MLG210 for flask); the caller decides which of them are the project's locks
    (red team 43b F7, 43c F5: `-r tools.txt` silenced it, and a per-stage rule
    false-alarmed on `COPY --from=builder`). Empty for an install that replaces what is
    there (-U, -I, --force-reinstall, --reinstall) after a lock."""
    text = text[:_MAX_TEXT]
    where = _Positions(text)
    instructions = list(_instructions(text))
    sources = tuple(sorted({source for _, command in instructions
                            for words in _commands(command)
                            for source in _lock_sources(words)}))
    found = []
    locked = False
    for start, command in instructions:
        cursor = start
        for words in _commands(command):
            locked = locked or bool(_lock_sources(words))
            arguments = _install_arguments(words)
            if arguments is None:
                continue
            kept = () if locked and _REPLACING & set(arguments) else sources
            skip = False
            for argument in arguments:
                if skip:
                    skip = False
                    continue
                if argument.startswith("-"):
                    skip = argument in _WITH_VALUE
                    continue
                named = _named(argument, pinned_too)
                if named is None:
                    continue
                at = text.find(argument, cursor, start + len(command))
                at = at if at >= 0 else cursor
                cursor = at + len(argument) if at >= cursor else cursor
                line, col = where(at)
                found.append((line, col, named[0], named[1], kept))
    return found


# What installs over a version already there (pip, uv pip)
_REPLACING = frozenset({"-U", "--upgrade", "-I", "--ignore-installed", "--force-reinstall",
                        "--reinstall", "--upgrade-package", "-P", "--reinstall-package"})


def _lock_sources(words: list[str]) -> list[str]:
    """What lock a command installs: the base names of the requirements files it names
    (`-r requirements.txt`), or the tool of a lock command (`uv`, `pipenv`, `poetry`)."""
    programs = [w.rsplit("/", 1)[-1] for w in words[:3]]
    for command in _LOCK_COMMANDS:
        if tuple(programs[:len(command)]) == command:
            return [command[0]]
    arguments = _install_arguments(words)
    if arguments is None:
        return []
    return [f.replace("\\", "/").rsplit("/", 1)[-1] for f in _pin_files(arguments)]


def _pin_files(arguments: list[str]) -> list[str]:
    """The files `-r requirements.txt` / `-c constraints.txt` name (not a pyproject.toml)."""
    files = [arguments[i + 1] for i, a in enumerate(arguments[:-1])
             if a in ("-r", "--requirement", "-c", "--constraint")]
    files += [a.split("=", 1)[1] for a in arguments
              if a.startswith(("--requirement=", "--constraint="))]
    return [f for f in files if not f.endswith(".toml")]


def _installs_a_file(arguments: list[str]) -> bool:
    """`-r requirements.txt` or `-c constraints.txt` (not a pyproject.toml): a lock's pins."""
    return bool(_pin_files(arguments))


# Commands that install a lock, or its pins: with one of them anywhere in the Dockerfile, the
# project installed after it finds its dependencies there (pip keeps what is satisfied).
_LOCK_COMMANDS = (("uv", "sync"), ("uv", "pip", "sync"), ("poetry", "install"),
                  ("pipenv", "install"), ("pipenv", "sync"), ("pdm", "install"),
                  ("pdm", "sync"), ("pip-sync",), ("conda", "env"), ("micromamba", "install"))
_LOCAL = re.compile(r"\.{1,2}(?:/[^\s\[]*)?(?:\[[^\]]*\])?")


def project_installs(text: str) -> list[tuple[int, int, str]]:
    """(line, column, argument) where a RUN's pip-like install is given the project itself
    (`.`, `-e .`, `./app[api]`) in a Dockerfile that installs no lock (no `-r`/`-c` file
    but a pyproject.toml, no `uv sync`, `poetry install`, ...): its dependencies come from
    the ranges pyproject.toml declares, the newest the day the image is built (new-user
    trial round 31: `uv pip install --system -e .` beside a uv.lock, READY). `--no-deps`
    installs nothing else: not reported."""
    text = text[:_MAX_TEXT]
    where = _Positions(text)
    found: list[tuple[int, int, str]] = []
    locked = False
    for start, command in _instructions(text):
        for words in _commands(command):
            programs = [w.rsplit("/", 1)[-1] for w in words[:3]]
            if any(tuple(programs[:len(c)]) == c for c in _LOCK_COMMANDS):
                locked = True
            arguments = _install_arguments(words)
            if arguments is None:
                continue
            if _installs_a_file(arguments):
                locked = True
            if "--no-deps" in arguments:
                continue
            skip = False
            for argument in arguments:
                if skip:  # the value of an option (`--target .`), not what is installed
                    skip = False
                    continue
                if argument in _WITH_VALUE and argument not in ("-e", "--editable"):
                    skip = True
                    continue
                if _LOCAL.fullmatch(argument):
                    at = text.find(argument, start, start + len(command))
                    at = at if at >= 0 else start
                    found.append((*where(at), argument))
    return [] if locked else found


_STEP_RE = LazyPattern(r"^[ \t]*(COPY|ADD|WORKDIR|RUN|FROM)[ \t]+", re.IGNORECASE | re.MULTILINE)


def _steps(text: str):
    """(instruction, its arguments with continuation lines joined) for COPY, ADD, WORKDIR,
    RUN and FROM, in order."""
    for match, _, arguments in _joined(_STEP_RE, text):
        yield match.group(1).upper(), arguments


def _copy_words(arguments: str) -> list[str] | None:
    """The sources then the destination of a COPY/ADD (JSON or shell form), without its
    flags; None for a copy from another stage or image (`--from=`), which is not the
    build context's."""
    import json
    import posixpath

    arguments = arguments.replace("\\\n", " ").replace("\\\r\n", " ").strip()
    words: list[str]
    flags = []
    while arguments.startswith("--"):
        flag, _, arguments = arguments.partition(" ")
        flags.append(flag)
        arguments = arguments.lstrip()
    if any(flag.startswith("--from") for flag in flags):
        return None
    if arguments.startswith("["):
        try:
            words = [str(w) for w in json.loads(arguments)]
        except ValueError:
            return None
    else:
        try:
            words = shlex.split(arguments, comments=True)
        except ValueError:
            return None
    if len(words) < 2 or any("$" in w or "*" in w or "?" in w for w in words):
        return None
    return [posixpath.normpath(w) if w not in (".", "./") else "." for w in words[:-1]] + [
        words[-1]]


class ImageLayout:
    """What a Dockerfile's last stage puts where: its COPY/ADD steps from the build context
    (`copies`), the working folder of its last step (`workdir`), and the commands it runs
    (`commands`: RUN's words, then CMD's and ENTRYPOINT's)."""

    def __init__(self) -> None:
        self.workdir = "/"
        self.copies: list[tuple[str, str, bool]] = []  # (in the image, in the context, folder)

    def step(self, step: str, arguments: str) -> None:
        import posixpath

        if step == "FROM":
            self.workdir, self.copies = "/", []
        elif step == "WORKDIR":
            target = arguments.strip().strip('"').strip("'")
            # (through a variable: unknown, nothing relative is resolved after it)
            self.workdir = "/?" if "$" in target else posixpath.normpath(
                posixpath.join(self.workdir, target))
        elif step in ("COPY", "ADD"):
            words = _copy_words(arguments)
            if words is None:
                return
            *sources, dest = words
            into = posixpath.normpath(posixpath.join(self.workdir, dest))
            folder_dest = dest.endswith("/") or len(sources) > 1 or dest in (".", "./")
            for source in sources:
                if source.startswith(("http://", "https://", "/", "..")):
                    continue
                is_folder = source == "." or source.endswith("/")
                if folder_dest and not is_folder:
                    self.copies.append((posixpath.join(into, posixpath.basename(source)),
                                        source, False))
                else:  # (a folder copied; or a file to a name, which may be a folder too)
                    self.copies.append((into, source, True))
                    if not is_folder:
                        self.copies.append((into, source, False))

    def source_of(self, path: str) -> str | None:
        """Where in the build context the file the image holds at `path` came from."""
        import posixpath

        if self.workdir == "/?" and not path.startswith("/"):
            return None
        return _from_context(posixpath.normpath(posixpath.join(self.workdir, path)),
                             self.copies)


def image_layout(text: str) -> ImageLayout:
    """The last stage's copies and working folder (see `ImageLayout`)."""
    layout = ImageLayout()
    for step, arguments in _steps(text[:_MAX_TEXT]):
        layout.step(step, arguments)
    return layout


_ENTRY_RE = LazyPattern(r"^[ \t]*(?:CMD|ENTRYPOINT)[ \t]+(.+)$", re.IGNORECASE | re.MULTILINE)


def entry_words(text: str) -> list[list[str]]:
    """The words of a Dockerfile's CMD and ENTRYPOINT lines (JSON or shell form)."""
    import json

    found = []
    for match in _ENTRY_RE.finditer(text[:_MAX_TEXT]):
        line = match.group(1).strip()
        if line.startswith("["):
            try:
                found.append([str(w) for w in json.loads(line)])
            except ValueError:
                continue
        else:
            found.extend(_commands(line))
    return found


def installed_requirements(text: str) -> list[str]:
    """The requirements files a Dockerfile's RUN installs with `-r` (whatever their name:
    `deploy/pins.txt`), as paths of the build context: through the COPY that put each where
    the RUN reads it (`COPY deploy/pins.txt /tmp/pins.txt` then `-r /tmp/pins.txt`). Red
    team 44 F7: the lock compared was not what the image installs."""
    import posixpath

    layout = ImageLayout()
    found: list[str] = []
    for step, arguments in _steps(text[:_MAX_TEXT]):
        if step != "RUN":
            layout.step(step, arguments)
            continue
        for words in _commands(arguments):
            installed = _install_arguments(words)
            if installed is None:
                continue
            names = [installed[i + 1] for i, a in enumerate(installed[:-1])
                     if a in ("-r", "--requirement")]
            names += [a.split("=", 1)[1] for a in installed if a.startswith("--requirement=")]
            for name in names:
                if "$" in name or name.endswith(".toml"):
                    continue
                origin = layout.source_of(posixpath.normpath(name))
                if origin is not None and origin not in found:
                    found.append(origin)
    return found


def _from_context(path: str, copies: list[tuple[str, str, bool]]) -> str | None:
    """Where in the build context a file the image holds at `path` came from: the last COPY
    that put it there."""
    import posixpath

    for into, source, folder in reversed(copies):
        if not folder and into == path:
            return source
        if folder and (path == into or path.startswith(into.rstrip("/") + "/")):
            rest = path[len(into.rstrip("/")) + 1:] if path != into else ""
            if not rest:
                continue
            base = "" if source == "." else source.rstrip("/")
            return posixpath.normpath(posixpath.join(base, rest)) if base else rest
    return None
