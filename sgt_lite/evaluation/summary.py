"""One column of the evaluation table: a generator's tracks on the held-out clips, pooled.

Every metric pools over clips by duration (rates: events over total minutes;
medians: over all events of all clips), so a long clip weighs more than a
short one and each held-out speaker counts by how long they speak.
"""
import logging

import numpy as np

from ..generators.prosody import analyse
from . import eyes as E
from . import lids as L
from . import metrics as M

log = logging.getLogger(__name__)

GAZE_CONFIDENCE_MIN = 0.5
HEAD_FD = "head Fréchet distance (2 s windows)"
# the same over head and gaze: real gaze carries tracker noise on small eyes, so it is shown, not targeted
HEAD_GAZE_FD = "head + gaze Fréchet distance (2 s windows)"


def gaze_trusted(track) -> bool:
    """Generated gaze always; real gaze unless the track marks it low-confidence."""
    conf = getattr(track, "gaze_confidence", None)
    return conf is None or conf >= GAZE_CONFIDENCE_MIN


def _fit(mask, n):
    mask = np.asarray(mask, bool)[:n]
    return np.pad(mask, (0, n - mask.size)) if mask.size < n else mask


def _ratio(num, den):
    return float(num / den) if den > 1e-12 else float("nan")


def _median(parts):
    x = np.concatenate(parts) if parts else np.zeros(0)
    return float(np.median(x)) if x.size else float("nan")


_PROSODY = {}


def _prosody(audio, fps):
    """Loudness and prosody of a clip's audio, computed once per run (keyed by the array's identity)."""
    key = (id(audio), len(audio), fps)
    if key not in _PROSODY:
        if len(_PROSODY) > 512:
            _PROSODY.clear()
        pro = analyse(audio, fps)
        _PROSODY[key] = (audio, pro)
    return _PROSODY[key][1]


def head_metrics(reals, gens, audios) -> dict:
    out = {}
    dur = np.array([r.duration for r in reals])
    w = dur / dur.sum()
    for i, axis in enumerate(M.AXES):
        r_std = np.array([r.motion[:, i].std() for r in reals])
        g_std = np.array([g.motion[:, i].std() for g in gens])
        r_vel = np.array([np.abs(M.velocity(r.motion[:, i], r.fps)).mean() for r in reals])
        g_vel = np.array([np.abs(M.velocity(g.motion[:, i], g.fps)).mean() for g in gens])
        out[f"amplitude ratio {axis}"] = _ratio(np.sum(w * g_std), np.sum(w * r_std))
        out[f"velocity ratio {axis}"] = _ratio(np.sum(w * g_vel), np.sum(w * r_vel))
    for key, axes in ((HEAD_FD, 3), (HEAD_GAZE_FD, 5)):
        real_w = np.concatenate([M.window_stats(r, axes) for r in reals])
        gen_w = np.concatenate([M.window_stats(g, axes) for g in gens])
        if len(real_w) > 2 and len(gen_w) > 2:
            mu, sd = real_w.mean(0), real_w.std(0) + 1e-9
            out[key] = M.frechet_distance((real_w - mu) / sd, (gen_w - mu) / sd)
        else:
            out[key] = float("nan")
    pros = [_prosody(a, g.fps) for a, g in zip(audios, gens)]
    out["coupling"] = float(np.sum(w * [M.coupling(a, g, p.loudness) for a, g, p in zip(audios, gens, pros)]))
    out["beat alignment"] = float(np.nanmean([M.beat_alignment(a, g, p) for a, g, p in zip(audios, gens, pros)]))
    out["jerk ratio (head)"] = _ratio(np.sum(w * [M.jerk(g) for g in gens]), np.sum(w * [M.jerk(r) for r in reals]))
    out["frames over 200°/s or 2000°/s² (%)"] = float(np.sum(w * [M.over_limits(g) for g in gens]))
    return out


def eye_metrics(gens, segs) -> dict:
    """Saccades, fixations and gaze offsets over the tracks whose gaze is trusted."""
    n_sacc, minutes, path_in, path_all = 0, 0.0, 0.0, 0.0
    amps, fix, peaks, speeds, off, starts, mids, ends = [], [], [], [], [], [], [], []
    for g, seg in zip(gens, segs):
        if not gaze_trusted(g):
            continue
        gaze = E.gaze_of(g)
        s = E.detect_saccades(gaze, g.fps)
        n_sacc += len(s)
        minutes += g.duration / 60.0
        amps.append(s.amplitude)
        fix.append(s.fixations_s())
        if s.speed.size:
            peaks.append(s.speed.max())
            speeds.append(s.speed)
        path_all += s.speed.sum()
        path_in += s.path_share() * s.speed.sum()
        off.append((E.off_centre_fraction(gaze), g.duration))
        a, b, c = E.offsets_at_phases(gaze, g.fps, seg.utterances)
        starts += a
        mids += b
        ends += c
    nan = float("nan")
    if minutes == 0:
        return {k: nan for k in EYE_ROWS}
    return {
        "saccades per min": n_sacc / minutes,
        "saccade amplitude median (°)": _median(amps),
        "peak eye speed (°/s)": float(np.max(peaks)) if peaks else nan,
        "peak eye speed, median of clip peaks (°/s)": float(np.median(peaks)) if peaks else nan,
        "p99 eye speed (°/s)": float(np.percentile(np.concatenate(speeds), 99)) if speeds else nan,
        "gaze path in saccades (%)": 100.0 * _ratio(path_in, path_all) if path_all > 0 else 0.0,
        "fixation median (s)": _median(fix),
        "gaze > 5° off its median (% of time)": 100.0 * sum(f * d for f, d in off) / sum(d for _, d in off),
        "gaze offset at utterance start (°)": float(np.mean(starts)) if starts else nan,
        "gaze offset at utterance middle (°)": float(np.mean(mids)) if mids else nan,
        "gaze offset at utterance end (°)": float(np.mean(ends)) if ends else nan,
    }


EYE_ROWS = ("saccades per min", "saccade amplitude median (°)", "peak eye speed (°/s)",
            "peak eye speed, median of clip peaks (°/s)",
            "p99 eye speed (°/s)", "gaze path in saccades (%)", "fixation median (s)",
            "gaze > 5° off its median (% of time)", "gaze offset at utterance start (°)",
            "gaze offset at utterance middle (°)", "gaze offset at utterance end (°)")


def lid_metrics(gens, segs) -> dict:
    """Blinks, their closure and timing, half-closed lids, blink-saccade coupling, blinks in pauses."""
    blinks, closure, close, reopen = 0, [], [], []
    half_frames, frames, minutes = 0.0, 0, 0.0
    coupled, chance, coupled_n = 0, 0.0, 0
    pause_blinks, pause_min, speech_blinks, speech_min = 0, 0.0, 0, 0.0
    for g, seg in zip(gens, segs):
        b = L.detect_blinks(g.blink, g.fps)
        blinks += len(b)
        minutes += g.duration / 60.0
        closure.append(b.closure)
        close.append(b.close_s)
        reopen.append(b.reopen_s)
        half_frames += L.half_closed_fraction(g.blink) * len(g)
        frames += len(g)
        pause = _fit(seg.pause_mask(), len(g))
        in_pause = pause[np.clip(b.peak, 0, len(g) - 1)] if len(b) else np.zeros(0, bool)
        pause_blinks += int(in_pause.sum())
        speech_blinks += int((~in_pause).sum())
        pause_min += pause.sum() / g.fps / 60.0
        speech_min += (~pause).sum() / g.fps / 60.0
        if gaze_trusted(g) and len(b):
            s = E.detect_saccades(E.gaze_of(g), g.fps)
            k, c = L.coupled_count(b, s.onsets_s, g.duration)
            coupled += k
            chance += c if np.isfinite(c) else 0.0
            coupled_n += len(b)
    closure = np.concatenate(closure) if closure else np.zeros(0)
    nan = float("nan")
    return {
        "blinks per min": blinks / minutes if minutes else nan,
        "blinks per min in speech": speech_blinks / speech_min if speech_min > 0 else nan,
        "blinks per min in pauses > 0.7 s": pause_blinks / pause_min if pause_min > 0 else nan,
        "blinks reaching ≥ 0.9 closure (%)": (100.0 * float(np.mean(closure >= L.FULL_CLOSURE))
                                              if closure.size else nan),
        "blink close duration, 10→90% (ms)": 1000.0 * _median(close),
        "blink reopen duration, 90→10% (ms)": 1000.0 * _median(reopen),
        "lid half-closed 0.2–0.8 (% of frames)": 100.0 * half_frames / frames if frames else nan,
        "blinks with a saccade within ±200 ms (%)": 100.0 * coupled / coupled_n if coupled_n else nan,
        "blinks with a saccade within ±200 ms, by chance (%)": 100.0 * chance / coupled_n if coupled_n else nan,
    }


def _step_speed(g):
    return np.linalg.norm(np.diff(g.motion[:, :3].astype(np.float64), axis=0), axis=1) * g.fps


def speech_head_speed(gens, segs) -> float:
    """Mean head speed over frames with voice activity outside pauses, deg/s."""
    tot = n = 0.0
    for g, seg in zip(gens, segs):
        if len(g) < 2:
            continue
        speech = (_fit(seg.speech, len(g)) & ~_fit(seg.pause_mask(), len(g)))[1:]
        tot += _step_speed(g)[speech].sum()
        n += speech.sum()
    return tot / n if n else float("nan")


def pause_metrics(gens, segs) -> dict:
    """Head speed in pauses longer than 0.7 s against head speed in speech."""
    tot = n = 0.0
    for g, seg in zip(gens, segs):
        if len(g) < 2:
            continue
        pause = _fit(seg.pause_mask(), len(g))[1:]
        tot += _step_speed(g)[pause].sum()
        n += pause.sum()
    speech = speech_head_speed(gens, segs)
    if n == 0 or not np.isfinite(speech):
        return {"head speed, pauses ÷ speech": float("nan")}
    return {"head speed, pauses ÷ speech": _ratio(tot / n, speech)}


def summarise(reals, gens, audios, segs) -> dict:
    """All per-clip metrics of one generator (``gens``) against the real tracks, pooled."""
    out = head_metrics(reals, gens, audios)
    out.update(eye_metrics(gens, segs))
    out.update(lid_metrics(gens, segs))
    out.update(pause_metrics(gens, segs))
    return out
