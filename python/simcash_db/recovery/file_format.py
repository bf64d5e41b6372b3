"""The few parts of a DuckDB database file that recovery reads and mends.

A file starts with three 4 KiB headers: the main one (magic ``DUCK``), then
two database headers, each a checkpoint's root (its iteration, the first
page of its metadata, the block size), each behind a checksum. DuckDB
opens the one with the higher iteration. Blocks of ``block_alloc_size``
bytes follow, each a checksum and its payload. Metadata blocks are shared by
consecutive checkpoints (one 256 KiB block holds 64 metadata pages), so a
checkpoint rewrites in place the block that the previous checkpoint's root
is in; a kill inside that write leaves it torn, and neither root opens
(docs/crash-safety.md).

Read from DuckDB 2.0's storage (``storage_version`` 64 and on); a file whose
headers do not check out under these rules is left alone.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

HEADER_SIZE = 4096
#: Where the blocks start: after the main header and the two database headers.
BLOCKS_START = 3 * HEADER_SIZE
_CHECKSUM = struct.Struct("<Q")
_DATABASE_HEADER = struct.Struct("<QqqQQQQ")
_MULTIPLIER = 0xBF58476D1CE4E5B9
_WORD = (1 << 64) - 1
#: A metadata pointer's block id is its low 56 bits (the top 8 name the page).
_BLOCK_ID = (1 << 56) - 1


def checksum(payload: bytes) -> int:
    """DuckDB's checksum of ``payload`` (a whole number of 8-byte words)."""
    words = struct.unpack(f"<{len(payload) // 8}Q", payload)
    result = 5381
    for word in words:
        result ^= (word * _MULTIPLIER) & _WORD
    return result


@dataclass(frozen=True)
class DatabaseHeader:
    """One of the two checkpoint roots."""

    #: Its offset in the file (4096 or 8192).
    offset: int
    valid: bool
    iteration: int
    meta_block: int
    block_alloc_size: int

    @property
    def meta_block_id(self) -> int:
        return self.meta_block & _BLOCK_ID


def read_headers(path: Path) -> list[DatabaseHeader]:
    """Both database headers, whatever their state; [] if ``path`` is no DuckDB file."""
    with path.open("rb") as file:
        head = file.read(BLOCKS_START)
    if len(head) < BLOCKS_START or head[8:12] != b"DUCK":
        return []
    headers = []
    for offset in (HEADER_SIZE, 2 * HEADER_SIZE):
        page = head[offset : offset + HEADER_SIZE]
        stored: int = _CHECKSUM.unpack_from(page)[0]
        fields = _DATABASE_HEADER.unpack_from(page, 8)
        iteration, meta_block, _free_list, _block_count, block_alloc_size, _, _ = fields
        headers.append(
            DatabaseHeader(
                offset=offset,
                valid=stored == checksum(page[8:]),
                iteration=iteration,
                meta_block=meta_block,
                block_alloc_size=block_alloc_size,
            )
        )
    return headers


def block_offset(header: DatabaseHeader, block_id: int) -> int:
    return BLOCKS_START + block_id * header.block_alloc_size


def block_is_intact(path: Path, header: DatabaseHeader, block_id: int) -> bool:
    """Whether block ``block_id`` (of ``header``'s layout) matches its checksum."""
    with path.open("rb") as file:
        file.seek(block_offset(header, block_id))
        block = file.read(header.block_alloc_size)
    if len(block) < header.block_alloc_size:
        return False
    (stored,) = _CHECKSUM.unpack_from(block)
    return bool(stored == checksum(block[8:]))


def reseal_block(path: Path, header: DatabaseHeader, block_id: int) -> None:
    """Give block ``block_id`` the checksum of what it holds now (a torn
    metadata block: the pages the newest root uses were written whole, and
    whether they were is for the caller to prove by reading everything)."""
    with path.open("r+b") as file:
        file.seek(block_offset(header, block_id))
        block = file.read(header.block_alloc_size)
        file.seek(block_offset(header, block_id))
        file.write(_CHECKSUM.pack(checksum(block[8:])))


def retire_header(path: Path, header: DatabaseHeader) -> None:
    """Make ``header`` lose to the other root (iteration 0, checksum renewed):
    DuckDB then opens the checkpoint before it, and replays the WAL on it."""
    with path.open("r+b") as file:
        file.seek(header.offset)
        page = bytearray(file.read(HEADER_SIZE))
        struct.pack_into("<Q", page, 8, 0)
        _CHECKSUM.pack_into(page, 0, checksum(bytes(page[8:])))
        file.seek(header.offset)
        file.write(page)
