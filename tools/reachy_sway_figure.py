"""Reachy Mini's own speech sway against sgt-lite on the same speech, with the speaker's real
head motion for reference: docs/reachy_sway_vs_sgt.png and a small table on stdout.

The sway is the SDK's code, imported, not a copy: ``SwayRollRT`` in
``reachy_mini/motion/speech_tapper.py`` of reachy-mini 1.12.0 ("ported from
reachy_mini_conversation_app"), which ``HeadWobbler`` feeds to the daemon's speech-offset
layer. sgt-lite's ``SwayGenerator`` (the eval baseline) is a different algorithm (an
adaptive noise floor, no master gain or random phases), so it is not used here.

sgt-lite's curves are the commands Reachy would get: Animator frames through a
MotionShaper with the ``reachy_mini`` profile (gaze folded into the head, rate limits).

    python tools/reachy_sway_figure.py            # needs the [reachy] extra and matplotlib
    python tools/reachy_sway_figure.py --clip feifeili_clip1 -o docs/reachy_sway_vs_sgt.png
"""
import argparse
import math
import pathlib
import sys

import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[1]
STYLETALK = REPO.parent / "shared" / "data" / "styletalk"
RATE = 16000


def reachy_sway(audio):
    """(t, [yaw, pitch, roll] in sgt-lite's degrees and signs) from the SDK's SwayRollRT, fed
    in 20 ms chunks as a stream; each hop's offsets apply at its start (HeadWobbler)."""
    from reachy_mini.motion import speech_tapper

    sway = speech_tapper.SwayRollRT(sample_rate=RATE)
    hops = []
    for i in range(0, len(audio), RATE // 50):
        hops += sway.feed(audio[i:i + RATE // 50].astype(np.float32))
    t = np.arange(len(hops)) * speech_tapper.HOP_MS / 1000.0
    deg = np.degrees([[h["yaw_rad"], -h["pitch_rad"], h["roll_rad"]] for h in hops])
    return t, deg


def sgt_commands(audio, style=None, seed=0):
    """(t, [yaw, pitch, roll]) of the commands a MotionShaper with the reachy_mini profile sends."""
    from sgt_lite import Animator
    from sgt_lite.shaping import MotionShaper

    anim = Animator(style=style, backend="numpy", seed=seed)
    shaper = MotionShaper("reachy_mini")
    frames = []
    for i in range(0, len(audio), RATE // 50):
        frames += anim.step(audio[i:i + RATE // 50])
    t, out, fi = [], [], 0
    for k in range(int(len(audio) / RATE * shaper.profile.servo_rate_hz)):
        while fi < len(frames) and frames[fi].t <= (k + 1) * shaper.dt:
            shaper.push(frames[fi])
            fi += 1
        cmd = shaper.tick()
        t.append(k * shaper.dt)
        out.append([cmd.joints["head_yaw"], cmd.joints["head_pitch"], cmd.joints["head_roll"]])
    return np.array(t), np.array(out), anim.style


def _stats(audio, t, deg, fps=25.0):
    from sgt_lite.evaluation.metrics import coupling
    from sgt_lite.motion.track import MotionTrack

    tf = np.arange(0, t[-1], 1.0 / fps)
    m = {n: np.interp(tf, t, deg[:, i]) for i, n in enumerate(("head_yaw", "head_pitch", "head_roll"))}
    track = MotionTrack.from_channels(fps, **m)
    speed = np.abs(np.diff(np.stack(list(m.values()), 1), axis=0)).mean(0) * fps
    return np.stack(list(m.values()), 1).std(0), speed, coupling(audio[: int(tf[-1] * RATE)], track)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clip", default="feifeili_clip1", help="a track in data/tracks with its StyleTalk audio")
    ap.add_argument("--style", help="sgt-lite style (default: the bundle's)")
    ap.add_argument("-o", "--output", default=str(REPO / "docs" / "reachy_sway_vs_sgt.png"))
    args = ap.parse_args(argv)

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sgt_lite.motion.track import MotionTrack

    track = MotionTrack.load(REPO / "data" / "tracks" / f"{args.clip}.npz")
    track.audio_path = str(STYLETALK / track.audio_path)
    audio = track.load_audio(RATE)
    real_t = np.arange(len(track.motion)) / track.fps
    real = track.motion[:, :3].astype(np.float64)
    real = real - real.mean(0)                       # the speaker's rest pose is not motion
    sway_t, sway = reachy_sway(audio)
    sgt_t, sgt, style = sgt_commands(audio, args.style)

    rows = [("real head (video)", real_t, real), ("Reachy Mini sway (SDK 1.12.0)", sway_t, sway),
            (f"sgt-lite -> reachy_mini profile (style {style})", sgt_t, sgt)]
    print(f"{args.clip}: {len(audio) / RATE:.1f} s of speech by {track.speaker}")
    print("| motion | yaw std | pitch std | roll std | yaw speed | pitch speed | roll speed | coupling |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, t, deg in rows:
        std, speed, c = _stats(audio, t, deg)
        print(f"| {name} | " + " | ".join(f"{v:.2f}" for v in (*std, *speed)) + f" | {c:.2f} |")

    fig, axes = plt.subplots(4, 1, figsize=(11, 8.5), sharex=True, gridspec_kw={"height_ratios": [0.6, 1, 1, 1]})
    ta = np.arange(len(audio)) / RATE
    axes[0].plot(ta, audio, color="0.55", lw=0.4)
    axes[0].set_ylabel("speech")
    axes[0].set_yticks([])
    colours = ("0.35", "tab:orange", "tab:blue")
    styles = (":", "-", "-")
    for j, axis in enumerate(("yaw (deg, + = left)", "pitch (deg, + = chin up)", "roll (deg, + = right ear down)")):
        ax = axes[j + 1]
        for (name, t, deg), c, ls in zip(rows, colours, styles):
            ax.plot(t, deg[:, j], color=c, ls=ls, lw=1.4 if c != "0.35" else 1.1, label=name)
        ax.set_ylabel(axis)
        ax.axhline(0, color="0.85", lw=0.6, zorder=0)
        ax.grid(alpha=0.25)
    axes[1].legend(loc="upper right", fontsize=8, ncol=3, frameon=False)
    axes[-1].set_xlabel("time (s)")
    axes[-1].set_xlim(0, len(audio) / RATE)
    fig.suptitle(f"Same speech ({args.clip}): Reachy Mini's loudness sway vs sgt-lite", fontsize=11)
    fig.text(0.01, 0.006, "Sway: SwayRollRT from reachy_mini/motion/speech_tapper.py (reachy-mini 1.12.0); its x/y/z "
                          "translations are not shown.\nsgt-lite: Animator -> MotionShaper('reachy_mini'), gaze folded "
                          "into the head. Real: head pose extracted from the speaker's video, mean removed.",
             fontsize=7, color="0.4")
    fig.tight_layout(rect=(0, 0.035, 1, 0.97))
    out = pathlib.Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
