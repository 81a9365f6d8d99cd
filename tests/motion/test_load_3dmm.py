import numpy as np
import pytest

from sgt_lite.errors import DataFormatError, ModelFileError
from sgt_lite.motion import load_3dmm


def test_reads_every_shared_clip(styletalk):
    for mat in sorted((styletalk / "pose").glob("*.mat")):
        wav = styletalk / "wav" / (mat.stem + ".wav")
        tr = load_3dmm(mat, audio_path=wav)
        assert tr.fps == 30.0
        assert abs(tr.duration - __import__("wave").open(str(wav)).getnframes() / 16000) < 2 / 30
        std = tr.motion[:, :3].std(0)
        assert (std > 1.0).all() and (std < 9.0).all()   # 1.1-8.3 deg per axis on these clips
        assert tr.valid[:, :3].all() and not tr.valid[:, 3:].any()


def test_feifeili_clip1_turns_to_her_left(styletalk):
    # In this clip the speaker turns well to her own left (toward the image's right):
    # the fit's yaw peaks near +20 deg, and stays positive on average.
    tr = load_3dmm(styletalk / "pose" / "feifeili_clip1.mat")
    assert tr.head_yaw.max() > 15 and tr.head_yaw.mean() > 2


def test_errors_name_the_file(tmp_path):
    with pytest.raises(ModelFileError, match="missing.mat"):
        load_3dmm(tmp_path / "missing.mat")
    bad = tmp_path / "bad.mat"
    bad.write_bytes(b"MATLAB junk")
    with pytest.raises(DataFormatError, match="bad.mat"):
        load_3dmm(bad)
    from scipy.io import savemat

    savemat(tmp_path / "nocoeff.mat", {"x": np.zeros((3, 3))})
    with pytest.raises(DataFormatError, match="no 'coeff'"):
        load_3dmm(tmp_path / "nocoeff.mat")
