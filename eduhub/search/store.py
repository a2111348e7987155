"""The index store on disk: generations, the write lock, and each process's searcher.

Layout of an index root::

    <root>/CURRENT          {"index": "index-12", "generation": 14}, replaced atomically
    <root>/index-12/        a complete Whoosh index
    <root>/WRITE.lock       held by whichever process builds or applies changes

Readers follow CURRENT; writers take WRITE.lock, so a rebuild and an incremental update can
never interleave. Nothing here knows about Flask or the database. Whoosh is pinned to 2.7.4:
read ../shared/DEPENDENCIES.md before changing how searchers are opened.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index

from eduhub.search.documents import SearchDocument
from eduhub.search.schema import SCHEMA, document_fields
from eduhub.search.scoring import Weighting
from eduhub.search.view import EPOCHS, SearchView

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
LOCK_FILE = "WRITE.lock"
INDEX_PREFIX = "index-"


class IndexMissing(LookupError):
    """No index has been built under this root yet (or CURRENT points nowhere)."""


class IndexBusy(TimeoutError):
    """Another process holds the write lock for longer than we were willing to wait."""


class IndexBehind(LookupError):
    """The index missed changes committed before these: patching it would hide them."""


@dataclass(frozen=True)
class Pointer:
    index: str
    generation: int


class IndexStore:
    """A directory of index generations and the searcher this process reads them with.

    Web processes only read (:meth:`reading`, :meth:`view`); the CLI and import hooks call
    :meth:`build` and :meth:`apply`. Safe to share between threads; each process keeps one
    searcher open and reopens it only when a commit or a new CURRENT makes it stale.
    """

    def __init__(self, root: str | Path, *, writer_timeout: float = 60.0) -> None:
        self.root = Path(root)
        self.writer_timeout = writer_timeout
        self._lock = threading.Lock()
        self._view: SearchView | None = None
        self._current_stamp: tuple[int, int, int] | None = None

    # CURRENT -----------------------------------------------------------------

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.root / CURRENT)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def pointer(self) -> Pointer | None:
        """What CURRENT says, or None when there is no usable index."""
        try:
            data = json.loads((self.root / CURRENT).read_text(encoding="utf-8"))
            name, generation = str(data["index"]), int(data["generation"])
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None
        if not name.startswith(INDEX_PREFIX) or "/" in name or not (self.root / name).is_dir():
            return None
        return Pointer(name, generation)

    def current_generation(self) -> int | None:
        """The content generation the live index reflects; None when there is none."""
        pointer = self.pointer()
        return pointer.generation if pointer else None

    def current_path(self) -> Path | None:
        pointer = self.pointer()
        return self.root / pointer.index if pointer else None

    def _write_pointer(self, name: str, generation: int) -> None:
        data = json.dumps({"index": name, "generation": generation}) + "\n"
        tmp = self.root / f".{CURRENT}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.root / CURRENT)
        with contextlib.suppress(OSError):
            dir_fd = os.open(self.root, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    # writing -----------------------------------------------------------------

    @contextlib.contextmanager
    def _write_lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + self.writer_timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise IndexBusy(
                            f"{self.root}: another process is writing the search index"
                        ) from None
                    time.sleep(0.05)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def _new_index_dir(self, generation: int) -> Path:
        path = self.root / f"{INDEX_PREFIX}{generation}"
        n = 1
        while path.exists():  # a rebuild of the same generation must not touch the live one
            n += 1
            path = self.root / f"{INDEX_PREFIX}{generation}-{n}"
        path.mkdir()
        return path

    def build(self, documents: Iterable[SearchDocument], generation: int) -> Path:
        """Write a complete index of ``documents`` beside the live one, then switch to it.

        Readers keep using the old index until they next look at CURRENT; old index
        folders are then removed (open searchers keep working on POSIX file systems).
        """
        with self._write_lock():
            path = self._new_index_dir(generation)
            try:
                ix = whoosh_index.create_in(str(path), SCHEMA)
                # 512 MB keeps 2,000 typical lessons in memory: spilling sorted runs to disk
                # nearly doubled the build time at 256 MB.
                writer = ix.writer(limitmb=512)
                seen: set[str] = set()
                try:
                    for doc in documents:
                        if doc.id in seen:
                            log.warning("search: duplicate document id %s skipped", doc.id)
                            continue
                        seen.add(doc.id)
                        writer.add_document(**document_fields(doc))
                except BaseException:
                    writer.cancel()
                    raise
                writer.commit()
                ix.close()
            except BaseException:
                shutil.rmtree(path, ignore_errors=True)
                raise
            self._write_pointer(path.name, generation)
            self._remove_stale(keep=path.name)
            log.info("search: built %s (%d documents, generation %d)", path, len(seen), generation)
            return path

    def apply(
        self,
        added_or_changed: Iterable[SearchDocument],
        removed_ids: Iterable[str],
        generation: int,
        *,
        since: int | None = None,
    ) -> bool:
        """Update the live index in place: replace changed documents, delete removed ids.

        Returns False (and changes nothing) when the index already reflects a later
        generation, e.g. because a full rebuild ran after this change was committed. With
        ``since`` (the generation these changes were made on), raises :class:`IndexBehind`
        when the index is older than that: an earlier change never reached it.
        """
        with self._write_lock():
            pointer = self.pointer()
            if pointer is None:
                raise IndexMissing(f"{self.root}: no search index to update; build one first")
            if generation < pointer.generation:
                return False
            if since is not None and pointer.generation < since:
                raise IndexBehind(
                    f"{self.root}: the index is at generation {pointer.generation}, "
                    f"these changes were made on {since}"
                )
            ix = whoosh_index.open_dir(str(self.root / pointer.index), schema=SCHEMA)
            docs = _unique(added_or_changed)
            try:
                writer = ix.writer(timeout=self.writer_timeout)
                try:
                    for doc_id in removed_ids:
                        writer.delete_by_term("id", doc_id)
                    # update_document looks the id up in every segment and deletes it first:
                    # a document the index does not hold yet is simply added.
                    with ix.reader() as reader:
                        held = {doc.id for doc in docs if ("id", doc.id) in reader}
                    for doc in docs:
                        if doc.id in held:
                            writer.update_document(**document_fields(doc))
                        else:
                            writer.add_document(**document_fields(doc))
                except BaseException:
                    writer.cancel()
                    raise
                writer.commit()
            finally:
                ix.close()
            self._write_pointer(pointer.index, generation)
            return True

    def _remove_stale(self, keep: str) -> None:
        for path in self.root.glob(f"{INDEX_PREFIX}*"):
            if path.name != keep and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
        for tmp in self.root.glob(f".{CURRENT}.*.tmp"):
            with contextlib.suppress(OSError):
                tmp.unlink()

    # reading -----------------------------------------------------------------

    def view(self) -> SearchView:
        """This process's searcher, reopened first if CURRENT moved or a commit landed.

        Never ``searcher.refresh()``: whoosh's refresh has returned deleted documents. A view
        replaced by a newer one is closed at once; use :meth:`reading` when other threads
        may be replacing it while you search.
        """
        with self._lock:
            return self._current()

    @contextlib.contextmanager
    def reading(self) -> Iterator[SearchView]:
        """The current view, kept open until the block ends even if a newer one replaces it."""
        with self._lock:
            view = self._current()
            view._hold()
        try:
            yield view
        finally:
            view._release()

    def _current(self) -> SearchView:
        view = self._view
        stamp = self._stamp()
        if view is not None and stamp == self._current_stamp and view.up_to_date():
            return view
        for attempt in range(5):
            pointer = self.pointer()
            if pointer is None:
                raise IndexMissing(f"{self.root}: the search index has not been built")
            if view is not None and view.name == pointer.index and view.up_to_date():
                view.generation = pointer.generation  # CURRENT only recorded a new number
                self._current_stamp = stamp
                return view
            try:
                if view is not None and view.name == pointer.index:
                    fresh = view.reopened(pointer.generation)  # same index, new commit
                else:
                    fresh = self._open(pointer)
            except (OSError, whoosh_index.EmptyIndexError):
                # A rebuild swapped CURRENT and removed the folder as we opened it.
                time.sleep(0.01 * (attempt + 1))
                stamp = self._stamp()
                continue
            if view is not None:
                view.retire()
            self._view = fresh
            self._current_stamp = stamp
            return fresh
        raise IndexMissing(f"{self.root}: could not open the search index")

    def _open(self, pointer: Pointer) -> SearchView:
        ix = whoosh_index.open_dir(str(self.root / pointer.index), schema=SCHEMA)
        try:
            searcher = ix.searcher(weighting=Weighting())
        except BaseException:
            ix.close()
            raise
        return SearchView(ix, searcher, pointer.index, pointer.generation, next(EPOCHS))

    def close(self) -> None:
        """Close this process's searcher (the next :meth:`view` opens a fresh one)."""
        with self._lock:
            if self._view is not None:
                self._view.retire()
                self._view = None
                self._current_stamp = None


def _unique(documents: Iterable[SearchDocument]) -> list[SearchDocument]:
    """The documents, the last of each id winning (adding one twice would index it twice)."""
    return list({doc.id: doc for doc in documents}.values())
