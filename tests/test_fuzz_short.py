"""Short CI variant of the fuzzing in fuzz/: gcc + ASan + UBSan, seeded random inputs."""
import pathlib
import shutil
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
TARGETS = {
    "proto": (["firmware_examples/common/sgt_proto.c", "fuzz/fuzz_proto.c"], "firmware_examples/common", 200000),
    "mfcc": (["sgt_lite/audio/csrc/sgt_mfcc.c", "fuzz/fuzz_mfcc.c"], "sgt_lite/audio/csrc", 3000),
    # config bytes then samples (issue #10, defect 5); about 0.2 ms a run under ASan + UBSan
    "mfcc_config": (["sgt_lite/audio/csrc/sgt_mfcc.c", "fuzz/fuzz_config.c"], "sgt_lite/audio/csrc", 10000),
}


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_fuzz_target_short_run(name, tmp_path):
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler")
    sources, include, runs = TARGETS[name]
    exe = tmp_path / f"fuzz_{name}"
    build = subprocess.run([cc, "-g", "-O1", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                            "-I", str(REPO / include), *[str(REPO / s) for s in sources],
                            str(REPO / "fuzz" / "fuzz_main.c"), "-lm", "-o", str(exe)], capture_output=True, text=True)
    if build.returncode != 0 and "asan" in build.stderr.lower():
        pytest.skip(f"the compiler has no sanitizer runtime: {build.stderr.strip().splitlines()[-1]}")
    assert build.returncode == 0, build.stderr
    res = subprocess.run([str(exe), str(runs), "7"], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    assert f"{runs} executions, no crash" in res.stdout
