import sys
import threading
import time

import numpy as np
import pytest

from sgt_lite.audio import RingBuffer
from sgt_lite.errors import ConfigError


def test_fifo_order_and_underrun():
    rb = RingBuffer(8)
    rb.write(np.array([1, 2, 3], np.float32))
    assert rb.read(4).size == 0
    assert rb.read(2).tolist() == [1, 2]
    rb.write([4, 5, 6, 7, 8, 9, 10])
    assert rb.available == 8 and rb.dropped == 0
    assert rb.read(8).tolist() == [3, 4, 5, 6, 7, 8, 9, 10]
    assert rb.read(1).size == 0


def test_overflow_drops_oldest_and_counts():
    rb = RingBuffer(5)
    rb.write(np.arange(3, dtype=np.float32))
    rb.write(np.arange(3, 7, dtype=np.float32))
    assert rb.dropped == 2
    assert rb.read(5).tolist() == [2, 3, 4, 5, 6]
    rb.write(np.arange(100, dtype=np.float32))
    assert rb.dropped == 97
    assert rb.read(3).tolist() == [95, 96, 97]
    rb.reset()
    assert rb.dropped == 0 and rb.available == 0


def test_read_hops_returns_whole_hops_only():
    rb = RingBuffer(1000)
    rb.write(np.zeros(500, np.float32))
    assert rb.read_hops(160).size == 480
    assert rb.read_hops(160).size == 0
    rb.write(np.zeros(400, np.float32))
    assert rb.read_hops(160, max_hops=1).size == 160


def test_bad_sizes():
    with pytest.raises(ConfigError):
        RingBuffer(0)
    with pytest.raises(ConfigError, match="1..4"):
        RingBuffer(4).read(5)
    for hop in (0, 5, 1.5, True):
        with pytest.raises(ConfigError, match="hop must be"):
            RingBuffer(4).read_hops(hop)


def _run_producer(rb, total, chunk_sizes, pause_s):
    def produce():
        pos = 0
        for n in chunk_sizes:
            if pos >= total:
                break
            n = min(n, total - pos)
            rb.write(np.arange(pos, pos + n, dtype=np.float32))
            pos += n
            if pause_s:
                time.sleep(pause_s)
    t = threading.Thread(target=produce, daemon=True)
    t.start()
    return t


def _consume(rb, producer, hop):
    got = []
    while producer.is_alive() or rb.available >= hop:
        block = rb.read(hop)
        if block.size:
            got.append(block)
        else:
            time.sleep(0.0002)
    return got


def test_real_producer_thread_no_overflow(rng):
    total = 200_000  # float32 holds these integers exactly
    rb = RingBuffer(16000)
    producer = _run_producer(rb, total, rng.integers(1, 700, size=10_000), 0.00005)
    got = _consume(rb, producer, 160)
    producer.join()
    flat = np.concatenate(got)
    assert rb.dropped == 0
    np.testing.assert_array_equal(flat, np.arange(flat.size, dtype=np.float32))
    assert total - flat.size < 160


def test_real_producer_thread_with_overflow_never_tears_a_hop(rng):
    total = 1_000_000
    rb = RingBuffer(1024)

    got = []
    producer = _run_producer(rb, total, rng.integers(200, 2000, size=100_000), 0.0)
    while producer.is_alive():
        block = rb.read(160)
        if block.size:
            got.append(block)
        time.sleep(0.0001)  # slow consumer: the producer laps it
    producer.join()
    while rb.available >= 160:
        got.append(rb.read(160))
    assert rb.dropped > 0
    starts = []
    for block in got:
        np.testing.assert_array_equal(block, np.arange(block[0], block[0] + 160, dtype=np.float32))
        starts.append(int(block[0]))
    assert all(b > a for a, b in zip(starts, starts[1:]))
    consumed = 160 * len(got)
    assert consumed + rb.dropped + rb.available == total


def test_write_larger_than_capacity_keeps_newest_and_counts_the_rest():
    rb = RingBuffer(8)
    rb.write(np.arange(3, dtype=np.float32))
    rb.write(np.arange(3, 23, dtype=np.float32))  # 20 samples into 8: 12 lost plus the 3 queued
    assert rb.available == 8 and rb.dropped == 15
    assert rb.read_hops(4).tolist() == list(range(15, 23))
    assert rb.available == 0 and rb.dropped == 15


def test_reader_during_oversize_writes_sees_whole_hops_only(rng):
    """Issue #10, defect 15: read_hops raised ConfigError while a write > capacity was in progress."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, so reads land inside writes
    try:
        cap, hop, total = 1000, 160, 3_000_000
        rb = RingBuffer(cap)
        sizes = rng.integers(cap + 1, 5 * cap, size=total // cap)
        producer = _run_producer(rb, total, sizes, 0.0)
        got, seen_available = [], []
        while producer.is_alive():
            seen_available.append(rb.available)
            block = rb.read_hops(hop, max_hops=2)
            if block.size:
                got.append(block)
        producer.join()
    finally:
        sys.setswitchinterval(old)
    while rb.available >= hop:
        got.append(rb.read_hops(hop))
    assert min(seen_available) >= 0 and max(seen_available) <= cap
    assert got, "the consumer never got a hop"
    last = -1
    for block in got:
        assert block.size % hop == 0
        np.testing.assert_array_equal(block, np.arange(block[0], block[0] + block.size, dtype=np.float32))
        assert block[0] > last
        last = int(block[-1])
    consumed = sum(b.size for b in got)
    assert consumed + rb.dropped + rb.available == total
