"""Usage events kept on disk until they are in the store, so that a worker killed by the kernel
(out of memory, `kill -9`) loses at most what it was answering, and says so.

Each worker appends every event it queues to a file of its own (``events-<pid>.tsv`` in the
spool folder, gunicorn.conf.py's IVR_SPOOL_DIR) with one `write` (O_APPEND: a whole line, or
nothing). Once the writer has stored, or counted as dropped, everything queued, it empties the file;
otherwise it notes how far it got (``#done <n>``). When a worker ends, gunicorn's master
(gunicorn.conf.py, `child_exit`) stores what its file holds after the last note and logs how
many events it recovered; a graceful stop leaves nothing to recover. At a start it stores what
files nobody holds (``recover_left``): each worker holds a lock on its own while it runs. The lines
hold what the store holds, nothing more: a hash of the CallSid, never a number.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import os
from pathlib import Path

DONE = "#done"


def clean(text: str) -> str:
    return text.replace("\t", " ").replace("\n", " ")


class Spool:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._fd: int | None = None
        self._pid: int | None = None
        self.written = 0   # events appended by this process

    def path(self, pid: int) -> Path:
        return self.folder / f"events-{pid}.tsv"

    def _file(self) -> int:
        pid = os.getpid()
        if self._pid != pid:   # each process its own file (gunicorn forks after loading the app)
            self.folder.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path(pid), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            # Held for as long as this process runs: a start leaves the file alone (recover_left).
            # "Locks created by flock() are associated with an open file description" and are
            # released when it is closed, as it is when the process ends (the flock(2) manual page).
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._pid, self.written = pid, 0
        return self._fd

    def append(self, event: tuple) -> int:
        """Keep ``event`` (the store's COLUMNS); returns its number in this process."""
        day, call, kind, detail, out_of_hours, place = event
        fd = self._file()
        os.write(fd, f"{day.isoformat()}\t{call}\t{clean(kind)}\t{clean(detail)}\t{int(out_of_hours)}\t{place}\n"
                 .encode())
        self.written += 1
        return self.written

    def done(self, upto: int, nothing_left: bool) -> None:
        """The events up to number ``upto`` are stored or counted: forget them."""
        fd = self._file()
        if nothing_left:
            os.ftruncate(fd, 0)
            self.written = 0
        else:
            os.write(fd, f"{DONE} {upto}\n".encode())


def left_by(path: Path) -> list[tuple]:
    """The events a file holds after its last note: queued, and neither stored nor counted."""
    events, seen = [], 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith(DONE):
            upto = int(line.split()[1])
            events = events[upto - seen:] if upto > seen else events
            seen = max(seen, upto)
            continue
        fields = line.split("\t")
        if len(fields) != 6:
            continue   # a line cut by the kill
        day, call, kind, detail, out_of_hours, place = fields
        events.append((dt.date.fromisoformat(day), call, kind, detail, out_of_hours == "1", int(place)))
    return events


def recover(folder: Path, pid: int, store, log) -> int:
    """Store what a worker that ended left in its file; log how many. Returns that number."""
    path = Spool(folder).path(pid)
    if not path.exists():
        return 0
    events = left_by(path)
    if events:
        try:
            store.write(events)
            log.warning("usage figures: worker %d ended with %d events not yet stored: recovered from its spool",
                        pid, len(events))
        except Exception as error:
            log.error("usage figures: worker %d ended with %d events not yet stored, and they could not be "
                      "stored (%s): lost", pid, len(events), type(error).__name__)
    path.unlink(missing_ok=True)
    return len(events)


def recover_left(folder: Path, store, log) -> int:
    """At a start: store what workers that ended left in the folder (the machine stopped mid-write).
    A file whose worker still runs belongs to another gunicorn on this machine sharing the folder:
    storing it here stored its events twice (that worker stores them too) and deleted its file. Each
    worker holds a lock on its file for as long as it runs (``Spool._file``; the kernel lets it go
    when the process ends, however it ends), so a file nobody holds is left by a worker that ended,
    even if another process has its number now. Returns how many events were stored."""
    stored = 0
    for name in sorted(os.listdir(folder)):
        number = name.removeprefix("events-").removesuffix(".tsv")
        if not (name == f"events-{number}.tsv" and number.isdigit()):
            continue
        try:
            fd = os.open(Path(folder) / name, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log.warning("usage figures: the spool of process %s is left alone: its worker is running (another "
                            "gunicorn sharing IVR_SPOOL_DIR stores its own)", number)
                continue
            stored += recover(folder, int(number), store, log)
        finally:
            os.close(fd)
    return stored
