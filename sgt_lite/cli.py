"""The ``sgt-lite`` command line. Errors print one line and exit 1; set
``SGT_LITE_DEBUG=1`` for the full traceback."""
import argparse
import logging
import os
import sys
import time

from .errors import SgtLiteError

log = logging.getLogger(__name__)


def _cmd_features(args) -> int:
    import numpy as np

    from .audio import SAMPLE_WAV, Frontend, read_wav

    path = args.wav or SAMPLE_WAV
    frontend = Frontend(backend=args.backend)
    x, rate = read_wav(path, sample_rate=frontend.config.sample_rate)
    chunk = int(rate * args.chunk_ms / 1000)
    t0 = time.process_time()
    parts = [frontend.process(x[i:i + chunk]) for i in range(0, x.size, chunk)]
    cpu = time.process_time() - t0
    feats = np.concatenate(parts) if parts else np.zeros((0, frontend.frame_size), np.float32)
    dur = x.size / rate
    print(f"{os.path.basename(str(path))}: {dur:.2f} s at {rate} Hz -> {feats.shape[0]} frames x "
          f"{feats.shape[1]} features ({frontend.frame_rate:.0f} fps, backend={frontend.backend})")
    print(f"streamed in {args.chunk_ms} ms chunks: {1000 * cpu / max(dur, 1e-9):.2f} ms CPU per s of audio")
    if feats.shape[0]:
        names = [f"c{i}" for i in range(feats.shape[1] - 1)] + ["logE"]
        print("feature   " + " ".join(f"{n:>7}" for n in names[:6]) + "  ...  " + f"{names[-1]:>7}")
        for label, row in (("mean", feats.mean(0)), ("std", feats.std(0))):
            print(f"{label:<9} " + " ".join(f"{v:7.2f}" for v in row[:6]) + "  ...  " + f"{row[-1]:7.2f}")
    if args.output:
        np.save(args.output, feats)
        print(f"wrote {args.output}")
    return 0


def _cmd_extract(args) -> int:
    import numpy as np

    from .motion.corpus import extract

    track, arrays = extract(args.video, audio_path=args.audio, speaker=args.speaker or "")
    track.save(args.output, **arrays)
    closed = track.blink > 0.5
    blinks = int(np.sum(closed[1:] & ~closed[:-1]))
    face = 100.0 * track.valid[:, 0].mean()
    lag = "not measured (no sound)" if track.lag is None else (
        f"{track.lag:+.3f} s ({'corrected' if track.meta.get('lag_applied') else 'unreliable, not corrected'})")
    print(f"{args.video}: {len(track)} frames at {track.fps:g} fps, face found in {face:.0f}% of frames, "
          f"{blinks} blinks, audio lag {lag}, gaze confidence {track.gaze_confidence:.2f}, head pitch "
          f"reversals {track.meta['pitch_reversals_raw']:.1f}/s -> {track.meta['pitch_reversals']:.1f}/s "
          f"smoothed -> {args.output}")
    return 0


def _cmd_eval(args) -> int:
    import shlex
    import sys

    from .evaluation.report import run

    names = [n.strip() for n in args.generators.split(",") if n.strip()]
    heldout = [s.strip() for s in args.heldout.split(",") if s.strip()] if args.heldout else None
    print(f"evaluating {', '.join(names)} on held-out speakers (speaker-disjoint folds)")
    command = "sgt-lite " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    table, md, pngs, seconds = run(names, args.output, heldout=heldout, seed=args.seed, tracks_dir=args.tracks,
                                   audio_root=args.audio_root, checkpoint=args.checkpoint, n_folds=args.folds,
                                   min_heldout=args.min_heldout, command=command)
    print(table)
    print(f"wrote {md}, {md.with_suffix('.json').name} and {', '.join(p.name for p in pngs)} in {seconds:.0f} s")
    return 0


def _cmd_style_add(args) -> int:
    from .model.style_add import add_style

    path = add_style(args.name, args.source, args.bundle, force=args.force)
    print(f"added style {args.name!r} from {args.source} -> {path}")
    return 0


def _cmd_animate(args) -> int:
    import numpy as np

    from .animator import Animator
    from .audio import SAMPLE_WAV, read_wav

    path = args.wav or SAMPLE_WAV
    anim = Animator(model=args.model, style=args.style, backend=args.backend, seed=args.seed)
    x, rate = read_wav(path, sample_rate=anim.sample_rate)
    chunk = int(anim.sample_rate * args.chunk_ms / 1000)
    t0 = time.process_time()
    frames = []
    for i in range(0, len(x), chunk):
        frames += anim.step(x[i:i + chunk])
    cpu = time.process_time() - t0
    dur = len(x) / anim.sample_rate
    print(f"{os.path.basename(str(path))}: {dur:.2f} s -> {len(frames)} frames at {anim.frame_rate:g} fps, "
          f"style {anim.style!r}, backend {anim.backend}, {1000 * cpu / dur:.2f} ms CPU per s of audio "
          f"(streamed in {args.chunk_ms} ms chunks, latency {1000 * anim.latency_s:.0f} ms)")
    arr = np.array(frames)
    if len(arr):
        names = ("head_yaw", "head_pitch", "head_roll", "gaze_yaw", "gaze_pitch", "blink")
        print("channel     " + " ".join(f"{n:>10}" for n in names))
        for label, fn in (("min", np.min), ("max", np.max), ("std", np.std)):
            print(f"{label:<11} " + " ".join(f"{v:10.2f}" for v in fn(arr[:, 1:], axis=0)))
        closed = arr[:, 6] > 0.5
        print(f"blinks: {int(np.sum(closed[1:] & ~closed[:-1]))}; styles available: {', '.join(anim.styles)}")
    if args.output:
        with open(args.output, "w") as f:
            f.write("t,head_yaw,head_pitch,head_roll,gaze_yaw,gaze_pitch,blink\n")
            for fr in frames:
                f.write(",".join(f"{v:.4f}" for v in fr) + "\n")
        print(f"wrote {args.output}")
    return 0


def _cmd_demo(args) -> int:
    from .demo import run_demo

    run_demo(args.input, head=args.head, profile=args.profile, style=args.style, backend=args.backend,
             duration=args.duration, realtime=not args.fast, playback=not args.no_playback)
    return 0


def _cmd_say(args) -> int:
    from .say import say

    stats = say(args.text, head=args.head, profile=args.profile, style=args.style, backend=args.backend,
                engine=args.engine, voice=args.voice, speed=args.speed, playback=not args.no_playback,
                fast=args.fast, save_wav=args.save_wav)
    print(f"said {stats['speech_s']:.2f} s of speech ({stats['engine']}, {stats['output']}): "
          f"{stats['commands']} commands, {stats['late_ticks']} caught up late")
    return 0


def _cmd_ros2(args) -> int:
    from .ros2_node import run_ros2

    run_ros2(args.input, profile=args.profile, style=args.style, backend=args.backend, duration=args.duration,
             playback=not args.no_playback, node_name=args.node_name, namespace=args.namespace,
             joint_prefix=args.joint_prefix, wait_for_subscriber_s=args.wait_for_subscriber)
    return 0


def _cmd_devices(args) -> int:
    from .demo import list_devices

    list_devices()
    return 0


def _cmd_doctor(args) -> int:
    import json

    from .doctor import collect, format_report

    rep = collect(args.model)
    print(json.dumps(rep, indent=1) if args.json else format_report(rep), end="\n" if args.json else "")
    return 0


def _cmd_render(args) -> int:
    from .render import render

    path, n, fps, audio = render(args.wav, args.output, profile=args.profile, style=args.style, size=args.size,
                                 fps=args.fps, backend=args.backend, seed=args.seed)
    print(f"wrote {path}: {n} frames at {fps:g} fps" + (" with the speech muxed in" if audio else ""))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sgt-lite", description=" ".join(__doc__.replace("``", "").split()))
    p.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    f = sub.add_parser("features", help="stream a WAV through the MFCC frontend and summarise it")
    f.add_argument("wav", nargs="?", help="PCM WAV file (default: the bundled speech sample)")
    f.add_argument("-o", "--output", help="save the (frames, features) array as .npy")
    f.add_argument("--backend", default="auto", choices=("auto", "c", "numpy"))
    f.add_argument("--chunk-ms", type=int, default=20, help="streaming chunk size (default 20 ms)")
    f.set_defaults(func=_cmd_features)
    a = sub.add_parser("animate", help="run the model over a WAV (default: the bundled sample) and summarise")
    a.add_argument("wav", nargs="?", help="speech WAV (default: the bundled sample)")
    a.add_argument("-o", "--output", help="write the frames as CSV")
    a.add_argument("--model", help="bundle folder (default: the bundled int8 model)")
    a.add_argument("--style", help="style name (see the list printed at the end)")
    a.add_argument("--backend", default="auto", choices=("auto", "litert", "onnx", "numpy"))
    a.add_argument("--seed", type=int, default=0)
    a.add_argument("--chunk-ms", type=int, default=20, help="streaming chunk size in ms (default 20)")
    a.set_defaults(func=_cmd_animate)
    e = sub.add_parser("extract", help="head pose, gaze and blinks from a talking-face video (needs [extract])")
    e.add_argument("video", help="talking-face video (anything OpenCV reads, e.g. MP4)")
    e.add_argument("--audio", help="the speech WAV that goes with the video (default: the video's own sound, "
                                   "through ffmpeg)")
    e.add_argument("--speaker", help="speaker id stored in the track")
    e.add_argument("-o", "--output", required=True, help="output .npz track")
    e.set_defaults(func=_cmd_extract)
    v = sub.add_parser("eval", help="score generators against held-out real speakers (tables + figures)")
    v.add_argument("--generators", default="static,sway,procedural,model",
                   help="comma-separated generators to score (default: static,sway,procedural,model)")
    v.add_argument("--heldout", help="one fold holding out these speakers (comma-separated; default: all folds)")
    v.add_argument("--folds", type=int, help="number of folds (default: speakers // --min-heldout)")
    v.add_argument("--min-heldout", type=int, default=4, help="held-out speakers per fold, at least (default 4)")
    v.add_argument("--tracks", help="folder of .npz tracks (default: the repo's data/tracks)")
    v.add_argument("--audio-root", help="where relative audio paths point (default: ../shared/data/styletalk)")
    v.add_argument("--seed", type=int, default=0)
    v.add_argument("--checkpoint", help="checkpoint folder for the 'model' generator (default checkpoints/default); "
                   "'dir/ck{fold}' scores one checkpoint per fold (fold = 0, 1, ... as in sgt_train --heldout-fold)")
    v.add_argument("-o", "--output", default="eval_out", help="output folder for eval.md, eval.json and figures")
    v.set_defaults(func=_cmd_eval)
    from .heads import HEAD_SPECS

    d = sub.add_parser("demo", help="microphone (or --input WAV) -> motion -> a head")
    d.add_argument("--input", help="a WAV to play instead of the microphone")
    d.add_argument("--head", default="console", help=HEAD_SPECS)
    d.add_argument("--profile", help="head profile name or .toml (default fits the head)")
    d.add_argument("--style")
    d.add_argument("--backend", default="auto", choices=("auto", "litert", "onnx", "numpy"))
    d.add_argument("--duration", type=float, help="stop after this many seconds of audio")
    d.add_argument("--fast", action="store_true", help="process a file as fast as possible (no real time)")
    d.add_argument("--no-playback", action="store_true", help="do not play --input through the speakers")
    d.set_defaults(func=_cmd_demo)
    sy = sub.add_parser("say", help="speak a text with an offline TTS and move the head in sync")
    sy.add_argument("text", help="what to say (quote it)")
    sy.add_argument("--head", default="console", help=HEAD_SPECS)
    sy.add_argument("--profile", help="head profile name or .toml (default fits the head)")
    sy.add_argument("--style")
    sy.add_argument("--backend", default="auto", choices=("auto", "litert", "onnx", "numpy"))
    sy.add_argument("--engine", default="auto", choices=("auto", "espeak-ng", "piper"),
                    help="TTS engine (auto: piper when installed with a voice, else espeak-ng)")
    sy.add_argument("--voice", help="espeak-ng voice (e.g. en-us) or piper voice .onnx file")
    sy.add_argument("--speed", type=int, help="words per minute (default: the engine's)")
    sy.add_argument("--save-wav", help="also write the speech to this WAV")
    sy.add_argument("--no-playback", action="store_true", help="no sound: move the head on the clock")
    sy.add_argument("--fast", action="store_true", help="no sound, no waiting (e.g. into --head csv:FILE)")
    sy.set_defaults(func=_cmd_say)
    ro = sub.add_parser("ros2", help="microphone (or --input WAV) -> motion -> ROS 2 joint_states (needs [ros2])",
                        description="Publishes sensor_msgs/JointState on joint_states at the profile's rate and "
                                    "std_msgs/Bool on speaking; listens to look_at (geometry_msgs/PointStamped, "
                                    "head base frame) and style (std_msgs/String).")
    ro.add_argument("--input", help="a WAV to stream in real time instead of the microphone")
    ro.add_argument("--profile", default="pan_tilt", help="head profile name or .toml (its joints are published)")
    ro.add_argument("--style")
    ro.add_argument("--backend", default="auto", choices=("auto", "litert", "onnx", "numpy"))
    ro.add_argument("--duration", type=float, help="stop after this many seconds of audio")
    ro.add_argument("--no-playback", action="store_true", help="do not play --input through the speakers")
    ro.add_argument("--node-name", default="sgt_lite")
    ro.add_argument("--namespace", default="", help="ROS namespace of the node and its topics")
    ro.add_argument("--joint-prefix", default="", help="prefix for the joint names (to match a URDF)")
    ro.add_argument("--wait-for-subscriber", type=float, default=0.0, metavar="S",
                    help="wait up to S seconds for a joint_states subscriber before starting")
    ro.set_defaults(func=_cmd_ros2)
    dv = sub.add_parser("devices", help="list audio devices, serial ports and I2C buses")
    dv.set_defaults(func=_cmd_devices)
    dr = sub.add_parser("doctor", help="what runs here: architecture, Python, numpy, runtimes, the backend "
                                       "'auto' picks and why, the C frontend, devices (paste it into bug reports)")
    dr.add_argument("--model", help="bundle folder (default: the bundled int8 model)")
    dr.add_argument("--json", action="store_true", help="print the report as JSON")
    dr.set_defaults(func=_cmd_doctor)
    r = sub.add_parser("render", help="draw the animated face for a WAV to a GIF or MP4")
    r.add_argument("wav", help="speech WAV")
    r.add_argument("-o", "--output", required=True, help="OUT.gif or OUT.mp4 (MP4 needs ffmpeg)")
    r.add_argument("--profile", default="display_eyes", help="head profile name or .toml (default display_eyes)")
    r.add_argument("--style")
    r.add_argument("--size", type=int, default=240, help="image side in pixels (default 240)")
    r.add_argument("--fps", type=float, help="default 12.5 for GIF, 25 for MP4")
    r.add_argument("--backend", default="auto", choices=("auto", "litert", "onnx", "numpy"))
    r.add_argument("--seed", type=int, default=0)
    r.set_defaults(func=_cmd_render)
    st = sub.add_parser("style", help="manage named styles")
    st_sub = st.add_subparsers(dest="style_command", metavar="ACTION")
    sa = st_sub.add_parser("add", help="add a style from a reference track (.npz/.csv/.bvh/.mat) or video")
    sa.add_argument("name", help="1 to 40 characters from A-Z a-z 0-9 _ . - (a user style of that name is "
                                 "replaced, a built-in one only with --force)")
    sa.add_argument("--from", dest="source", required=True, help="track file or talking-face video")
    sa.add_argument("--bundle", help="bundle folder (default: the bundled model; styles go to a user copy)")
    sa.add_argument("--force", action="store_true", help="replace a built-in style of the same name")
    sa.set_defaults(func=_cmd_style_add)
    _finish_help(p)
    return p


_COMMON_HELP = {
    "--backend": "model runtime; auto takes the first installed of litert, onnx, numpy",
    "--style": "style name (sgt-lite animate lists them)",
    "--seed": "seed of the motion's random draws: the same seed gives the same motion",
    "--node-name": "ROS 2 node name",
}


def _finish_help(parser):
    """Subcommands without a description take their one-line help as one; common options
    get their usual help text (the frontend's --backend its own)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {c.dest: c.help for c in action._choices_actions}
            for name, sp in action.choices.items():
                if not sp.description and helps.get(name):
                    text = helps[name]
                    sp.description = text[0].upper() + text[1:] + "."
                _finish_help(sp)
        elif action.help is None and action.option_strings:
            key = action.option_strings[-1]
            if key == "--backend" and "c" in (action.choices or ()):
                action.help = "MFCC frontend: the C extension (c) or numpy; auto takes c when it is built"
            elif key in _COMMON_HELP:
                action.help = _COMMON_HELP[key]


BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread():
    """One BLAS thread unless the user chose otherwise: the runtime's matrices are small, and
    OpenBLAS starting a thread per core costs ~45 ms per process. Only works before numpy loads,
    so this module imports no numpy at the top."""
    for var in BLAS_THREAD_VARS:
        os.environ.setdefault(var, "1")


def main(argv=None) -> int:
    one_blas_thread()
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except (SgtLiteError, OSError) as exc:
        if os.environ.get("SGT_LITE_DEBUG"):
            raise
        print(f"sgt-lite: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
