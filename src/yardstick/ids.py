"""Time-ordered ids (UUIDv7 layout, RFC 9562).

Every list in the API pages by (creation order, id). Making the id itself time-ordered turns that
into a keyset on one indexed column, and keeps rows inserted in one batch in their input order:
within one millisecond a per-process counter in `rand_a` increases monotonically.
"""

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def new_id() -> str:
    global _last_ms, _counter
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms > _last_ms:
            _last_ms, _counter = ms, 0
        else:
            _counter += 1
            if _counter > 0xFFF:  # 4096 ids in one millisecond: borrow the next one
                _last_ms, _counter = _last_ms + 1, 0
        ms, counter = _last_ms, _counter
    rand = int.from_bytes(os.urandom(8), "big") & 0x3FFF_FFFF_FFFF_FFFF
    value = (ms << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | rand
    return str(uuid.UUID(int=value))


def new_ids(count: int) -> list[str]:
    return [new_id() for _ in range(count)]
