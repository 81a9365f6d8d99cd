"""CI variant of benchmarks/soak.py: 2 minutes of varied audio, every target checked."""
import json
import subprocess
import sys


def test_two_minute_soak(tmp_path):
    out = tmp_path / "soak.json"
    res = subprocess.run([sys.executable, "benchmarks/soak.py", "--minutes", "2", "--json", str(out)],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    r = json.loads(out.read_text())
    assert r["audio_minutes"] == 2.0 and r["commands"] > 5000
    assert r["nonfinite_commands"] == r["out_of_range"] == r["over_velocity"] == r["over_acceleration"] == 0
    assert r["nonfinite_audio_samples"] > 0            # the NaN/Inf bursts really happened
    assert r["rss_growth_mb"] < 2.0
    from sgt_lite.model.bundle import DEFAULT_BUNDLE, Bundle

    m = Bundle.load(DEFAULT_BUNDLE).model           # |h| <= 1 and |c| <= cell_clip per unit
    bound = (m["layers"] * m["hidden"] * (1 + m["cell_clip"] ** 2)) ** 0.5
    norms = [b["state_norm_max"] for b in r["blocks"]]
    assert 0 < max(norms) < 0.5 * bound
