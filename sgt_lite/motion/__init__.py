"""Motion data: MotionTrack, loaders for real captures, video extraction."""
from .load_3dmm import load_3dmm
from .load_bvh import load_bvh
from .load_csv import load_arkit_csv, load_generic_csv
from .track import BLINK, CHANNELS, GAZE, HEAD, MotionTrack


def load_track(path, **kwargs) -> MotionTrack:
    """Loads any supported file by extension: .npz, .mat (3DMM), .bvh, .csv (ARKit or generic)."""
    p = str(path).lower()
    if p.endswith(".npz"):
        return MotionTrack.load(path)
    if p.endswith(".mat"):
        return load_3dmm(path, **kwargs)
    if p.endswith(".bvh"):
        return load_bvh(path, **kwargs)
    if p.endswith(".csv"):
        with open(path, encoding="utf-8-sig") as f:
            head = f.readline().lower()
        return load_arkit_csv(path, **kwargs) if "timecode" in head else load_generic_csv(path, **kwargs)
    from ..errors import DataFormatError

    raise DataFormatError(f"unknown track format {path}; supported: .npz .mat .bvh .csv")


__all__ = ["BLINK", "CHANNELS", "GAZE", "HEAD", "MotionTrack", "load_3dmm", "load_arkit_csv", "load_bvh",
           "load_generic_csv", "load_track"]
