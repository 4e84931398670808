"""Reading an artifact: a regular file inside the repository, of a bounded size, or nothing.

A commit can carry a symlink named `model.pkl` that points at `/dev/zero`, a FIFO, or a file
elsewhere on the machine (`~/.ssh/id_rsa`). Such a path is refused before a byte is read:
the symlink is resolved and must stay inside the repository and out of its `.git` (where a
remote's token lives), the target must be a regular
file no larger than MAX_ARTIFACT_BYTES, and the file is opened without blocking and
without following a link swapped in after the check; what is read is capped again.
"""

from __future__ import annotations

import errno
import os
import stat

MAX_ARTIFACT_BYTES = 4 * 1024**3
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(
    os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


class Unreadable(Exception):
    """Why an artifact path is not read: one line for the finding."""


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def repository_of(path: str) -> str:
    """The repository a path names a file of, found up its folders as written (`.git` in one
    of them), not as resolved: `ext/secret.json`, with `ext` a committed symlink to a folder
    elsewhere, belongs to the repository holding `ext`, and `resolve` then refuses it. A path
    in no repository: its own folder."""
    folder = os.path.dirname(os.path.abspath(path))
    while True:
        if os.path.lexists(os.path.join(folder, ".git")):
            return os.path.realpath(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            return os.path.realpath(os.path.dirname(os.path.abspath(path)))
        folder = parent


def in_git_folder(real: str, repo_root: str) -> bool:
    """Whether a real path inside the repository lies in a `.git` folder at any depth (the
    repository's, a nested repository's): where a remote's token lives (`.git/config`)."""
    rel = os.path.relpath(real, os.path.realpath(repo_root))
    return ".git" in rel.split(os.sep)


def resolve(path: str, repo_root: str) -> str:
    """The real path of an artifact that may be read; Unreadable with the reason otherwise."""
    try:
        link = os.lstat(path)
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror}") from None
    real = os.path.realpath(path)
    if not _inside(real, os.path.realpath(repo_root)):
        if not _inside(os.path.abspath(path), os.path.abspath(repo_root)) and not _inside(
                os.path.abspath(path), os.path.realpath(repo_root)):
            # named from another repository (`mlgate artifact ../other`: new-user trial
            # round 40 F3 was told of a symlink there was not)
            raise Unreadable("a file outside the repository mlgate runs in (the current"
                             " folder's): run mlgate from the repository that holds it")
        # a symlink, or a folder on the way that is one (`ext -> /elsewhere`)
        raise Unreadable(("a symlink to a file" if stat.S_ISLNK(link.st_mode) else
                          "through a symlinked folder, a file") + " outside the repository:"
                         " mlgate reads only what the repository holds")
    if in_git_folder(real, repo_root):
        raise Unreadable("a file inside git's own folder (.git): mlgate reads only the files"
                         " the repository holds, never its git metadata")
    try:
        info = os.stat(real)
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise Unreadable("not a regular file (a device, FIFO, socket or folder): not read")
    if info.st_size > MAX_ARTIFACT_BYTES:
        raise Unreadable(f"larger than {MAX_ARTIFACT_BYTES // 1024**3} GiB, mlgate's cap for an"
                         " artifact")
    return real


def read_inside(path: str, repo_root: str, limit: int) -> bytes:
    """A file a committed file points at (a requirements `-r` include): read only when its
    real path is inside the repository and it is a regular file of at most `limit` bytes.
    `-r /proc/self/environ` in a pull request must not print the CI job's secrets."""
    real = os.path.realpath(path)
    if not _inside(real, os.path.realpath(repo_root)):
        raise Unreadable("outside the repository: mlgate reads only what the repository holds")
    resolve(real, repo_root)
    return read_bytes(real, limit)


def _open(real: str):
    try:
        fd = os.open(real, _FLAGS)
    except OSError as exc:
        if exc.errno in (errno.EMFILE, errno.ENFILE):  # this machine's limit, not the file
            from mlgate.finding import UsageError

            raise UsageError("cannot open more files: the open-file limit (ulimit -n) is"
                             " lower than this run needs (reliability round 33: it was"
                             " reported as a finding about the file)") from None
        raise Unreadable(f"cannot read: {exc.strerror}") from None
    # checked on the descriptor before it becomes a file object: fdopen of a folder fails
    # with the descriptor's number where the name should be ("Is a directory: 3")
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise Unreadable("not a regular file (a folder, device, FIFO or socket): not read")
    return os.fdopen(fd, "rb")


def read_bytes(real: str, limit: int = MAX_ARTIFACT_BYTES) -> bytes:
    """The file's bytes (at most `limit`), opened as checked: never a FIFO, never a link."""
    with _open(real) as handle:
        # Ask for what the file holds, not for the cap: read(4 GiB) reserves 4 GiB up
        # front, which fails under `ulimit -v` for a 1 KB file. A file that grows while
        # it is read is read on, in chunks, up to the cap.
        size = os.fstat(handle.fileno()).st_size
        chunks = [handle.read(min(limit, size) + 1)]
        total = len(chunks[0])
        while total <= limit and len(chunks[-1]) > 0 and total > size:
            chunks.append(handle.read(min(16 * 2**20, limit + 1 - total)))
            total += len(chunks[-1])
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if len(data) > limit:
        raise Unreadable(f"larger than {limit} bytes, mlgate's cap for this kind of file")
    return data


def read_ends(real: str, head: int, tail: int) -> tuple[bytes, bytes, int]:
    """The first `head` and last `tail` bytes and the size, opened as read_bytes opens it."""
    with _open(real) as handle:
        first = handle.read(head)
        size = os.fstat(handle.fileno()).st_size
        handle.seek(max(size - tail, 0))
        return first, handle.read(tail), size


def read_head(real: str, size: int) -> bytes:
    """The first `size` bytes, opened as read_bytes opens the file."""
    with _open(real) as handle:
        return handle.read(size)
