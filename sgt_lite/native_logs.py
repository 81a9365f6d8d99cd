"""Native libraries' chatter (TFLite's "Created TensorFlow Lite XNNPACK delegate" notice,
mediapipe's absl/glog lines) goes to :mod:`logging` instead of the terminal.

Those libraries write straight to file descriptor 2, where neither ``TF_CPP_MIN_LOG_LEVEL``
nor Python's logging reaches them (LiteRT ignores the variable; mediapipe logs before absl
is set up). :func:`native_stderr_to_log` points fd 2 at a temporary file while such a
library starts or runs; Python's own ``sys.stderr`` keeps writing to the real terminal
meanwhile. Afterwards each captured line is logged: notices (INFO lines, glog ``I``/``W``
lines, absl's start-up warning) at DEBUG, so ``-v`` shows them, anything else at WARNING.
"""
import contextlib
import logging
import os
import re
import sys
import threading

log = logging.getLogger(__name__)

_NOTICE = re.compile(r"^(INFO: |[IW]\d{4} |WARNING: All log messages before absl::InitializeLog\(\))")
_lock = threading.Lock()
_depth = 0


def _fd2_ok() -> bool:
    try:
        os.fstat(2)
        return True
    except OSError:
        return False


@contextlib.contextmanager
def native_stderr_to_log(logger=None):
    """Runs the ``with`` body with fd 2 captured; replays what native code wrote there into
    ``logger`` (default: this module's). Nested uses capture once; if fd 2 cannot be
    redirected the body runs untouched. Other threads' native output in that window is
    captured too (and logged the same way).

    >>> with native_stderr_to_log():
    ...     os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\\n") > 0
    True
    """
    global _depth
    logger = logger or log
    with _lock:
        outer = _depth == 0
        _depth += 1
    if not outer or not _fd2_ok():
        try:
            yield
        finally:
            with _lock:
                _depth -= 1
        return
    py_stderr = sys.stderr
    saved = tmp = stand_in = None
    try:
        try:
            py_stderr.flush()
        except Exception:
            pass
        import tempfile     # here: ~3 ms (shutil, bz2, lzma) off `from sgt_lite import Animator`

        tmp = tempfile.TemporaryFile()
        saved = os.dup(2)
        if py_stderr is not None and getattr(py_stderr, "fileno", None) is not None and _is_fd2(py_stderr):
            # Python writes (progress bars, warnings) keep going to the terminal
            stand_in = os.fdopen(os.dup(saved), "w", buffering=1, encoding=getattr(py_stderr, "encoding", None)
                                 or "utf-8", errors="replace")
            sys.stderr = stand_in
        os.dup2(tmp.fileno(), 2)
    except OSError as exc:
        log.debug("cannot capture native stderr: %s", exc)
        if saved is not None:
            os.close(saved)
            saved = None
    try:
        yield
    finally:
        if saved is not None:
            os.dup2(saved, 2)
            os.close(saved)
        if stand_in is not None:
            sys.stderr = py_stderr
            stand_in.close()
        with _lock:
            _depth -= 1
        if tmp is not None:
            tmp.seek(0)
            text = tmp.read().decode("utf-8", "replace")
            tmp.close()
            for line in text.splitlines():
                if line.strip():
                    logger.log(logging.DEBUG if _NOTICE.match(line) else logging.WARNING, "%s", line)


def _is_fd2(stream) -> bool:
    try:
        return stream.fileno() == 2
    except Exception:
        return False
