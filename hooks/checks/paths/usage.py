"""Where an absolute path is fine (system, container), and how sure we are that text uses one.

MLG109 inverts the deny-list of roots: an absolute POSIX path whose first component is not a
standard system directory belongs to one machine or cluster (`/local-scratch`, `/groups/lab`,
`/usr/bmicnas02`), once the text around it shows it is used as a file path. How sure that use
is decides the severity:

- CERTAIN (error, bare roots too): an argument of a file call (`open`, `read_csv`, `Path`,
  `os.path.join`, `dbutils.fs.ls`), a shell file command (`cd`, `source`, `mkdir`, ...), the
  command word itself, a scheduler's output/working-directory option, a DVC remote's `url`;
- NAMED (error, two components or more): a name that says path (`DATA_DIR`, `model_path`,
  `cache_dir:`, `--log_dir=`, `export HF_HOME=`);
- HINT (warning, two components or more): a name that often holds a path but not always
  (`output`, `data`, `source`, `location`), or any other word of a shell command;
- NONE: nothing says so; not flagged (a route, a JSON pointer, prose).
"""

from __future__ import annotations

from mlgate.lazy_re import LazyPattern

NONE, HINT, NAMED, CERTAIN = 0, 1, 2, 3

# First components that exist on every Unix machine (FHS), macOS system locations, and
# software trees that are the same wherever they are mounted.
SYSTEM_ROOTS = frozenset({
    "bin", "boot", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "run", "sbin",
    "srv", "sys", "tmp", "opt", "lost+found", "snap", "nix", "gnu",
    "System", "Library", "private", "cores", "cvmfs",
})
# /usr and /var are system trees only through their standard children: /usr/bmicnas02/...
# (a lab's NFS mount) is not /usr/lib.
USR_CHILDREN = frozenset({
    "bin", "include", "lib", "lib32", "lib64", "libexec", "libx32", "local", "sbin", "share",
    "src", "games", "X11R6", "X11", "tmp", "spool", "java", "etc", "man",
})
VAR_CHILDREN = frozenset({
    "cache", "lib", "local", "lock", "log", "mail", "opt", "run", "spool", "tmp", "www",
    "backups", "crash", "db", "empty", "folders", "yp", "task",
})
# The production image's own layout, fine in any file (docs/rules.md): /app, /workspace, and
# platform conventions that exist on every node of that platform.
CONTAINER_ROOTS = frozenset({"app", "workspace", "code", "gcs"})
# Paths that are a platform's fixed convention rather than one machine's.
# Hive's warehouse on every Spark cluster, and the placeholders docs and templates write.
CONVENTIONS = ("/user/hive/warehouse", "/path/to/", "/absolute/path/to/", "/full/path/to/",
               "/your/path/", "/some/path/")

# Tokens of a name (split on _ - . and camelCase) that say "this holds a path".
_CLEAR_TOKENS = frozenset({
    "dir", "dirs", "directory", "directories", "path", "paths", "file", "files", "filename",
    "filepath", "fname", "folder", "folders", "root", "roots", "home", "cache", "ckpt",
    "checkpoint", "checkpoints", "workdir", "logdir", "wd", "venv", "chdir", "pythonpath",
})
_HINT_TOKENS = frozenset({
    "data", "dataset", "datasets", "output", "outputs", "out", "input", "inputs", "source",
    "src", "dest", "destination", "location", "loc", "base", "store", "storage", "save",
    "mount", "volume", "volumes", "log", "logs", "prefix", "db", "weights", "model", "models",
    "image", "sif", "script", "exe", "executable", "binary", "lib", "include",
})
# A name with one of these is about the web, whatever else it says (root_path of FastAPI).
_WEB_TOKENS = frozenset({
    "url", "uri", "urls", "route", "routes", "endpoint", "api", "http", "https", "href",
    "link", "web", "site", "page", "static", "redirect",
})
_TOKEN_RE = LazyPattern(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def name_use(name: str) -> int:
    """How strongly a variable, key or flag name says it holds a path."""
    tokens = {t.lower() for t in _TOKEN_RE.findall(name)}
    if not tokens or tokens & _WEB_TOKENS:
        return NONE
    if tokens & _CLEAR_TOKENS:
        return NAMED
    return HINT if tokens & _HINT_TOKENS else NONE


def is_system(parts: list[str]) -> bool:
    """parts: the components of an absolute path. Component by component, not by prefix."""
    first = parts[0]
    if first in SYSTEM_ROOTS:
        return True
    if first in ("usr", "var"):
        children = USR_CHILDREN if first == "usr" else VAR_CHILDREN
        return len(parts) == 1 or parts[1] in children or parts[1] == ""
    return False


# Shell commands whose arguments are files or folders.
FILE_COMMANDS = frozenset({
    "cd", "pushd", "source", ".", "mkdir", "rmdir", "ls", "ll", "cp", "mv", "rm", "ln",
    "cat", "less", "more", "head", "tail", "touch", "chmod", "chown", "chgrp", "tar", "zip",
    "unzip", "gzip", "gunzip", "rsync", "scp", "find", "du", "df", "stat", "wc", "python",
    "python3", "python2", "bash", "sh", "zsh", "Rscript", "julia", "perl", "ruby", "node",
    "java", "singularity", "apptainer", "conda", "sbatch", "module", "pip", "pip3", "uv",
    "cmake", "tensorboard", "jupyter", "torchrun", "accelerate", "deepspeed", "nvcc", "gcc",
    "g++", "make", "install", "realpath", "readlink", "basename", "dirname", "test", "exec",
    "activate", "dvc", "git", "docker", "mount", "umount", "%cd", "%run", "%fs", "%sh",
    "%load", "%store", "%env", "fs",
})
# Words that may precede the real command.
_PREFIX_WORDS = frozenset({
    "sudo", "time", "nohup", "exec", "srun", "mpirun", "env", "then", "do", "else", "!",
    "nice", "stdbuf", "xargs", "command", "builtin", "eval",
})
# Scheduler and compiler options whose value is a file or folder.
FILE_OPTIONS = frozenset({
    "-o", "-e", "-D", "-O", "-P", "-C", "-f", "-d", "-I", "-L", "-R", "-F", "-B",
    "--output", "--error", "--chdir", "--workdir", "--bind", "--prefix", "--logdir",
    "--directory", "--file", "--config", "--target", "--out", "--input", "--source",
})
# Calls whose arguments are surely files or folders (MLG109 flags even a bare root there);
# python_source reads its call sites by this list.
STRONG_CALLS = frozenset({
    "open", "Path", "PurePath", "PosixPath", "PurePosixPath", "chdir", "listdir", "scandir",
    "walk", "makedirs", "mkdir", "glob", "iglob", "rmtree", "copyfile", "copytree", "copy2",
    "read_csv", "read_parquet", "read_json", "read_excel", "read_pickle", "read_feather",
    "read_table", "read_hdf", "read_fwf", "read_sas", "read_stata", "read_orc", "to_csv",
    "to_parquet", "to_excel", "to_pickle", "to_feather", "to_hdf", "savefig", "load_model",
    "save_model", "expanduser", "abspath", "realpath", "File", "loadtxt", "savetxt",
    "genfromtxt", "imread", "imwrite", "imsave", "ZipFile", "load_img", "load_from_disk",
    "save_to_disk", "mkdirs", "addPyFile", "SummaryWriter", "FileHandler", "TarFile",
    # xarray, zarr, geopandas and pandas' other writers
    "to_netcdf", "open_dataset", "open_mfdataset", "open_dataarray", "to_zarr", "open_zarr",
    "read_file", "to_file", "to_json", "read_xml", "to_xml", "to_stata", "read_spss",
})
# Names of calls whose arguments are files (STRONG_CALLS and the methods of python_source's
# receivers) and of calls that pass an argument on (os.environ.get): the prefilter's test.
CERTAIN_CALL_WORDS = STRONG_CALLS | frozenset({
    "append", "insert", "join", "load", "save", "savez", "savez_compressed", "memmap",
    "fromfile", "dump", "copy", "move", "ls", "rm", "cp", "mv", "head", "put", "mount", "csv",
    "parquet", "json", "text", "orc", "table", "get", "getenv", "setdefault", "str", "fspath",
    "normpath", "resolve", "UPath",
})
_COMMAND_SPLIT_RE = LazyPattern(r"(?:&&|\|\||[;|(`]|\$\(|\bthen\b|\bdo\b|\belse\b)")
_ASSIGN_RE = LazyPattern(
    r"(?:^|[\s;({,])(?:export\s+|local\s+|declare\s+(?:-\w+\s+)?)?[\"']?"
    r"(?P<name>[A-Za-z_][\w.-]*)[\"']?\s*(?P<op>:=|=|:|\+=)\s*[\"'(]?\s*$"
)
_FLAG_RE = LazyPattern(r"(?:^|[\s\"'(\[,])(?P<flag>--?[A-Za-z][\w.-]*)(?:=|\s+)[\"']?$")
_WORD_RE = LazyPattern(r"[^\s\"'=]+")


def left_use(value: str, start: int, shell: bool) -> int:
    """How the text just before offset `start` uses the path found there.

    shell: the text is a shell command line (shell files, notebook magics, scheduler
    directives), where any word is probably a file and a command's arguments certainly are.
    """
    reach = max(0, start - 160)
    head = value[value.rfind("\n", reach, start) + 1 or reach:start]
    # What ends right before the path (past a quote and blanks) says which test can apply:
    # a list item or an argument (`"a", "/x"`, `f("/x")`) has no name, outside a shell.
    last = head.rstrip(" \t\"'")[-1:]
    if not last:
        return CERTAIN if shell else NONE  # the first word of a line: a shell command
    if last in ",[({}" and not shell:
        return NONE
    flag = _FLAG_RE.search(head)
    if flag:
        name = flag.group("flag")
        if name in FILE_OPTIONS or name.split("=")[0] in FILE_OPTIONS:
            return CERTAIN
        use = name_use(name.lstrip("-"))
        if use:
            return use
    assign = _ASSIGN_RE.search(head)
    if assign and (assign.group("op") != ":" or not shell):
        # NAME=/x, export NAME=/x, key: /x, key = /x: the name says it, or nothing does
        return name_use(assign.group("name")) or (HINT if shell else NONE)
    command = _COMMAND_SPLIT_RE.split(head)[-1]
    words = [w.strip("\"'") for w in command.split()]
    while words and (words[0] in _PREFIX_WORDS or "=" in words[0]):
        words = words[1:]
    if not words:
        return CERTAIN if shell else NONE  # the path is the command word
    if words[0].startswith("#SBATCH") or words[0] in ("#PBS", "#BSUB", "#$"):
        return CERTAIN
    if words[0] in FILE_COMMANDS or words[0].rsplit("/", 1)[-1] in FILE_COMMANDS:
        return CERTAIN
    if words[0].startswith("/") and shell:
        return CERTAIN  # an argument of a program run by its absolute path
    return HINT if shell else NONE


# `singularity exec [options] IMAGE cmd...`, `docker run [options] IMAGE cmd...`: what
# follows the image runs inside it, so its paths are the container's.
_CONTAINER_RUN_RE = LazyPattern(
    r"\b(?:singularity|apptainer)\s+(?:exec|run|shell)\b|\bdocker\s+(?:run|exec)\b"
    r"|\bpodman\s+(?:run|exec)\b"
)
_VALUE_OPTIONS = frozenset({
    "-B", "--bind", "--mount", "-H", "--home", "--overlay", "-W", "--workdir", "--pwd",
    "--env", "--env-file", "--security", "--network", "--hostname", "--app", "-v",
    "--volume", "-e", "-w", "--name", "-p", "--publish", "--gpus", "--net", "--entrypoint",
    "--shm-size", "--user", "-u", "--ipc", "--runtime", "--platform", "--memory", "-m",
    "--cpus", "--label", "-l", "--device", "--add-host", "-h", "--cap-add", "--ulimit",
})


def container_command_start(value: str) -> int:
    """Offset where a container run's inner command starts in `value`; -1 when none."""
    m = _CONTAINER_RUN_RE.search(value)
    if not m:
        return -1
    words = list(_WORD_RE.finditer(value, m.end()))
    i = 0
    while i < len(words):
        word = words[i].group()
        if word.startswith("-"):
            i += 2 if word in _VALUE_OPTIONS else 1
            continue
        return words[i].end()  # the image; the command follows it
    return -1


# Web routes and API paths: not files, whatever their shape.
_ROUTE_FIRST = frozenset({
    "api", "apis", "rest", "graphql", "auth", "login", "logout", "oauth", "admin", "static",
    "assets", "health", "healthz", "readyz", "livez", "ready", "predict", "predictions",
    "invocations", "ping", "metrics", "docs", "openapi", "redoc", "swagger", "ws", "socket",
    "v1", "v2", "v3", "v4", "v1beta1", "v1alpha1",
})


_VERSION_RE = LazyPattern(r"v\d+(?:\.\d+)?")


def route_like(parts: list[str]) -> bool:
    return parts[0].lower() in _ROUTE_FIRST or bool(_VERSION_RE.fullmatch(parts[0]))


_REMOTE_LOOKBACK = 256
_LAST_DELIMITER_RE = LazyPattern(r"(?s).*[\s\"'=,(\[]")
_REMOTE_TOKEN_RE = LazyPattern(r"(?:[\w.+-]+@)?[A-Za-z0-9][\w.+-]*")


def remote_prefix(value: str, start: int) -> bool:
    """`user@host:/path`, `host:/path` (scp, rsync), `scheme://host:/path` and `scheme:/path`
    (MLflow's `models:/name/1`) name another machine's file or no file: not this one's. A
    `$PATH:/x` list entry is still a path."""
    if start < 2 or value[start - 1] != ":":
        return False
    # Looked for in the 256 characters before, in C: a host or scheme token is short, and
    # a character-by-character look back to the line's last blank made one line of 4,000
    # `file:/` take seconds (reliability round 33).
    lowest = max(0, start - 1 - _REMOTE_LOOKBACK)
    before = _LAST_DELIMITER_RE.match(value, lowest, start - 1)
    i = before.end() if before else lowest
    token = value[i:start - 1]
    return "://" in token or (len(token) > 1 and bool(_REMOTE_TOKEN_RE.fullmatch(token)))
