"""Single-producer / single-consumer float32 ring buffer for audio callbacks."""
import numpy as np

from ..errors import ConfigError


class RingBuffer:
    """Fixed-capacity float32 FIFO between an audio callback and a consumer.

    The producer (one audio callback thread) calls :meth:`write`, which never
    blocks and never waits for the consumer: when the buffer is full the
    oldest samples are overwritten. The consumer (one thread) calls
    :meth:`read`, which returns exactly ``n`` samples or, on underrun, an empty
    array. Samples lost to overflow are counted in :attr:`dropped`.

    A write larger than the capacity keeps only its newest ``capacity``
    samples and counts the rest as dropped. While any write is in progress a
    reader sees either the samples from before it or nothing (``available``
    is then 0, never negative); once it is done, the new samples.

    Threading: exactly one producer thread and one consumer thread (SPSC).
    Two producers, or two consumers, need a lock of their own; :meth:`reset`
    needs the producer stopped. No lock is taken: the producer publishes a
    *claim* before it writes and a *written* count after; the consumer
    copies, then re-reads the claim and discards whatever the producer may
    have overwritten while it copied (a seqlock), so a read never returns
    torn data.

    >>> rb = RingBuffer(4)
    >>> rb.write(np.arange(6, dtype=np.float32))     # 2 oldest samples dropped
    >>> rb.read(2).tolist(), rb.dropped
    ([2.0, 3.0], 2)
    >>> rb.read(4).size                                 # underrun: nothing
    0
    """

    def __init__(self, capacity: int):
        if int(capacity) != capacity or capacity <= 0:
            raise ConfigError(f"RingBuffer capacity must be a positive integer, got {capacity!r}")
        self.capacity = int(capacity)
        self._buf = np.zeros(self.capacity, np.float32)
        self.reset()

    def reset(self):
        """Empties the buffer and zeroes the counters. Call with the producer stopped."""
        self._claimed = 0
        self._written = 0
        self._read = 0
        self._dropped = 0

    # producer side -------------------------------------------------------
    def write(self, samples):
        """Appends samples (anything ``np.asarray`` takes; cast to float32). Never blocks."""
        x = np.asarray(samples, dtype=np.float32).reshape(-1)
        n = x.size
        if n == 0:
            return
        start_pos = self._written
        if n > self.capacity:
            start_pos += n - self.capacity
            x = x[-self.capacity:]
        self._claimed = self._written + n
        start = start_pos % self.capacity
        first = min(x.size, self.capacity - start)
        self._buf[start:start + first] = x[:first]
        if first < x.size:
            self._buf[: x.size - first] = x[first:]
        self._written = self._claimed

    # consumer side -------------------------------------------------------
    @property
    def available(self) -> int:
        """Samples that a read could return now."""
        # an oversize write in progress may have moved the read position past `written`
        return min(max(self._written - self._read, 0), self.capacity)

    @property
    def dropped(self) -> int:
        """Samples lost to overflow so far (including ones not yet noticed by a read)."""
        return self._dropped + max(0, self._written - self._read - self.capacity)

    def read(self, n: int) -> np.ndarray:
        """Returns the ``n`` oldest samples, or an empty array if fewer are available."""
        if n <= 0 or n > self.capacity:
            if n == 0:
                return np.zeros(0, np.float32)
            raise ConfigError(f"read size must be 1..{self.capacity}, got {n}")
        while True:
            written = self._written
            self._skip_overwritten(written)
            if written - self._read < n:
                return np.zeros(0, np.float32)
            start = self._read % self.capacity
            first = min(n, self.capacity - start)
            out = np.empty(n, np.float32)
            out[:first] = self._buf[start:start + first]
            if first < n:
                out[first:] = self._buf[: n - first]
            if self._claimed - self.capacity <= self._read:
                self._read += n
                return out
            # the producer lapped us during the copy: drop what it may have torn, retry

    def read_hops(self, hop: int, max_hops: int = None) -> np.ndarray:
        """Returns as many whole hops as are available (at most ``max_hops``)."""
        if isinstance(hop, bool) or int(hop) != hop or not 1 <= hop <= self.capacity:
            raise ConfigError(f"hop must be an integer in 1..{self.capacity}, got {hop!r}")
        hops = min(self.available // hop, self.capacity // hop)
        if max_hops is not None:
            hops = min(hops, max_hops)
        return self.read(int(hops * hop)) if hops > 0 else np.zeros(0, np.float32)

    def _skip_overwritten(self, written: int):
        oldest_valid = max(written, self._claimed) - self.capacity
        if self._read < oldest_valid:
            self._dropped += oldest_valid - self._read
            self._read = oldest_valid
