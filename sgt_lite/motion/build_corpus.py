"""Builds the corpus tracks in ``data/tracks`` and the dataset card.

    python -m sgt_lite.motion.build_corpus [--shared ../shared/data] [-o data/tracks] [--card docs/dataset_card.md]

Needs the ``[extract]`` extra (MediaPipe) and the ffmpeg programs. For the
19 talking videos the head, gaze and blinks all come from MediaPipe; for the
8 StyleTalk clips the head comes from their 3DMM fit (see :mod:`.styletalk`).
Every track then goes through :func:`.corpus.finish_track` (lag, gaze
confidence, zero-phase head smoothing). The talking tracks keep no audio
copy: ``audio_path`` names the shared video and :meth:`MotionTrack.load_audio`
decodes its sound with ffmpeg, skipping ``audio_offset`` seconds.
"""
import argparse
import dataclasses
import logging
import pathlib
import shutil

import numpy as np

from .corpus import finish_track, is_variable_rate, uniform_landmarks
from .dataset import TRACKS_DIR, default_data_root
from .extract_video import landmarks_from_video, track_from_landmarks
from .media import decode_audio, frame_times, stream_info
from .track import MotionTrack

log = logging.getLogger(__name__)

VFR_FPS = 25.0


@dataclasses.dataclass(frozen=True)
class Source:
    repo: str
    licence: str
    licence_file: str


SOURCES = {
    "dfrf": Source("sstzal/DFRF", "MIT", "LICENSE_sstzal__DFRF.txt"),
    "edtalk": Source("tanshuai0219/EDTalk", "Apache-2.0", "LICENSE_tanshuai0219__EDTalk.txt"),
    "retalking": Source("OpenTalker/video-retalking", "Apache-2.0", "LICENSE_OpenTalker__video-retalking.txt"),
    "vox": Source("Hangz-nju-cuhk/Talking-Face_PC-AVS (VoxCeleb2)", "CC-BY-4.0",
                  "LICENSE_Hangz-nju-cuhk__Talking-Face_PC-AVS.txt"),
    "liveportrait": Source("KwaiVGI/LivePortrait", "MIT", "LICENSE_KwaiVGI__LivePortrait.txt"),
    "real3dportrait": Source("yerfor/Real3DPortrait", "MIT", "LICENSE_yerfor__Real3DPortrait.txt"),
    "styletalk": Source("StyleTalk sample clips (Netease Fuxi AI Lab)", "MIT", "LICENSE_styletalk.txt"),
}

# clip -> canonical speaker id. One id per person across sources: the EDTalk
# Obama is the StyleTalk 'Obama'. Every other clip shows a different person
# (checked by eye on a frame of each).
TALKING = {
    "dfrf_cnn2": "cnn_presenter", "dfrf_macron": "macron", "edtalk_lieu": "lieu", "edtalk_obama": "Obama",
    "liveportrait_d20": "liveportrait_d20", "real3dportrait_may": "may",
    "retalking_face1": "retalking_face1", "retalking_face2": "retalking_face2",
    "retalking_face4": "retalking_face4", "retalking_face5": "retalking_face5",
    "vox_audio_source_00015": "vox_00015", "vox_audio_source_00086": "vox_00086",
    "vox_audio_source_00373": "vox_00373", "vox_audio_source_681100216": "vox_681100216",
    "vox_audio_source_741400104": "vox_741400104", "vox_input_00002": "vox_in_00002",
    "vox_input_00010": "vox_in_00010", "vox_input_00098": "vox_in_00098",
    "vox_mouth_source_681600002_frames_audio": "vox_681600002",
}


def _cached_landmarks(video: pathlib.Path, cache):
    if cache is not None:
        f = pathlib.Path(cache) / f"{video.stem}.npz"
        if f.is_file():
            with np.load(f) as z:
                return z["lm"].astype(np.float64), float(z["fps"])
    lm, fps = landmarks_from_video(video)
    if cache is not None:
        pathlib.Path(cache).mkdir(parents=True, exist_ok=True)
        np.savez(pathlib.Path(cache) / f"{video.stem}.npz", lm=lm.astype(np.float32), fps=fps)
    return lm, fps


def build_talking(data_root, clip: str, cache=None):
    """(track, extra arrays) for one video of ``talking/video``."""
    video = pathlib.Path(data_root) / "talking" / "video" / f"{clip}.mp4"
    info = stream_info(video)
    lm, fps = _cached_landmarks(video, cache)
    times = frame_times(video)
    start = info.get("video_start", 0.0)
    vfr = times.size == lm.shape[0] and is_variable_rate(times, info["fps"])
    if vfr:
        lm, start = uniform_landmarks(lm, times, VFR_FPS)
        fps = VFR_FPS
    else:
        fps = info["fps"] or fps
    kind = clip.split("_")[0]
    src = SOURCES[kind]
    track = track_from_landmarks(lm, fps, speaker=TALKING[clip], source=f"talking:{clip}",
                                 audio_path=f"talking/video/{clip}.mp4")
    track.meta = dict(clip=clip, source_repo=src.repo, licence=src.licence, width=info["width"],
                      height=info["height"], variable_frame_rate=bool(vfr))
    audio = decode_audio(video, 16000)
    return finish_track(track, lm, audio, 16000, container_offset=start - info.get("audio_start", 0.0))


def build_styletalk(data_root, clip: str, cache=None):
    from .load_3dmm import load_3dmm
    from .styletalk import merge, speaker_of
    from ..audio import read_wav

    root = pathlib.Path(data_root) / "styletalk"
    pose = load_3dmm(root / "pose" / f"{clip}.mat", audio_path=root / "wav" / f"{clip}.wav",
                     speaker=speaker_of(clip))
    lm, fps = _cached_landmarks(root / "video" / f"{clip}.mp4", cache)
    offset = lm.shape[0] - len(pose)
    if offset < 0:
        raise ValueError(f"{clip}: video has fewer frames ({lm.shape[0]}) than the pose ({len(pose)})")
    lm = lm[offset:offset + len(pose)]
    track, _ = merge(pose, lm, fps, clip)
    info = stream_info(root / "video" / f"{clip}.mp4")
    src = SOURCES["styletalk"]
    track.meta = dict(clip=clip, source_repo=src.repo, licence=src.licence, width=info["width"],
                      height=info["height"], variable_frame_rate=False, head="3dmm")
    audio, _ = read_wav(root / "wav" / f"{clip}.wav", 16000)
    return finish_track(track, lm, audio, 16000, container_offset=0.0)


def _fmt(v, spec, missing="–"):
    return missing if v is None else format(v, spec)


def dataset_card(tracks) -> str:
    """A Markdown table of the corpus, one row per track, then totals."""
    head = ("| clip | speaker | s | fps | resolution | licence | lag (s) | lag z | lag applied | face found | "
            "eye px | gaze conf. | pitch rev/s raw → smoothed |")
    rows = [head, "|" + " --- |" * 3 + " ---: |" * 2 + " --- |" * 2 + " ---: |" * 6]
    for t in sorted(tracks, key=lambda t: (not t.source.startswith("styletalk"), t.meta.get("clip", t.source))):
        m = t.meta
        rows.append(
            f"| {m.get('clip', t.source)} | {t.speaker} | {t.duration:.1f} | {t.fps:g} "
            f"| {m.get('width', '?')}×{m.get('height', '?')}{' (VFR→25)' if m.get('variable_frame_rate') else ''} "
            f"| {m.get('licence', '?')} | {_fmt(t.lag, '+.3f')} | {_fmt(m.get('lag_z'), '.1f')} "
            f"| {'yes' if m.get('lag_applied') else 'no'} | {100 * m.get('face_rate', 0):.0f}% "
            f"| {m.get('eye_px', 0):.0f} | {_fmt(t.gaze_confidence, '.2f')} "
            f"| {m.get('pitch_reversals_raw', float('nan')):.1f} → {m.get('pitch_reversals', float('nan')):.1f} |")
    secs = sum(t.duration for t in tracks)
    raw = _pooled(tracks, "pitch_reversals_raw")
    smooth = _pooled(tracks, "pitch_reversals")
    speakers = sorted({t.speaker for t in tracks})
    rows.append("")
    rows.append(f"{len(tracks)} tracks, {len(speakers)} speakers, {secs:.0f} s. Pooled head-pitch reversals "
                f"(25 fps, weighted by duration): {raw:.1f}/s raw → {smooth:.1f}/s smoothed. "
                f"Lag corrected in {sum(bool(t.meta.get('lag_applied')) for t in tracks)} tracks.")
    return "\n".join(rows) + "\n"


def _pooled(tracks, key):
    w = np.array([t.duration for t in tracks if key in t.meta])
    v = np.array([t.meta[key] for t in tracks if key in t.meta])
    return float((w * v).sum() / w.sum()) if w.size else float("nan")


NOTICE_HEAD = """Derived motion tracks (head pose, eye-in-head gaze, blinks) of real talking clips,
built with: python -m sgt_lite.motion.build_corpus (see docs/dataset_card.md).
No audio or video is copied here; each track names its source file in ../shared/data.
Changes made: the tracks are measurements of the clips (MediaPipe FaceMesh landmarks fitted
to head pose, gaze and eyelid closure; the audio-video lag; zero-phase smoothing of the head).
The VoxCeleb2 clips come from VoxCeleb2 (J. S. Chung, A. Nagrani, A. Zisserman, "VoxCeleb2:
Deep Speaker Recognition", Interspeech 2018; CC-BY-4.0) as published by Talking-Face_PC-AVS.
Each source's licence text is in licenses/ and goes with the files derived from it:

"""


def write_notice(out: pathlib.Path, data_root: pathlib.Path):
    lic = out / "licenses"
    lic.mkdir(exist_ok=True)
    lines = [NOTICE_HEAD]
    for kind, src in SOURCES.items():
        if kind == "styletalk":
            shutil.copyfile(data_root / "styletalk" / "LICENSE", lic / src.licence_file)
            clips = "Obama_clip*, andrew_clip_*, feifeili_clip* (head: the clips' 3DMM fit)"
        else:
            shutil.copyfile(data_root / "talking" / "licenses" / src.licence_file, lic / src.licence_file)
            clips = ", ".join(c for c in TALKING if c.split("_")[0] == kind)
        lines.append(f"- {clips}\n  from {src.repo}: {src.licence}, licenses/{src.licence_file}\n")
    (out / "NOTICE").write_text("".join(lines))


def main(argv=None):
    from .styletalk import CLIPS

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=None, help="the shared data folder (default: ../shared/data)")
    ap.add_argument("-o", "--out", default=str(TRACKS_DIR))
    ap.add_argument("--card", default=None, help="also write the dataset card here (Markdown)")
    ap.add_argument("--cache", default=None, help="folder to keep MediaPipe landmarks between runs")
    ap.add_argument("--only", nargs="*", help="clip names to (re)build; the card covers every track in --out")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    data_root = pathlib.Path(args.shared) if args.shared else default_data_root()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(c, build_styletalk) for c in CLIPS] + [(c, build_talking) for c in TALKING]
    for clip, build in jobs:
        if args.only and clip not in args.only:
            continue
        log.info("%s", clip)
        track, arrays = build(data_root, clip, args.cache)
        track.save(out / f"{clip}.npz", **arrays)
    write_notice(out, data_root)
    tracks = [MotionTrack.load(f) for f in sorted(out.glob("*.npz"))]
    card = dataset_card(tracks)
    print(card)
    if args.card:
        pathlib.Path(args.card).parent.mkdir(parents=True, exist_ok=True)
        pathlib.Path(args.card).write_text("# Dataset card: data/tracks\n\n" + card)


if __name__ == "__main__":
    main()
