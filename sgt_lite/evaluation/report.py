"""Runs generators over held-out speakers, fold by fold, and writes the tables and figures.

    sgt-lite eval [--generators static,sway,procedural,model] [--heldout A,B] [-o docs/eval]

Per fold, whatever needs training data uses only that fold's training side:
the procedural baseline is tuned on it (:mod:`.tuning`) and "other real
speaker" is real motion of a training-side speaker. The model is one shipped
checkpoint; the report states which held-out speakers it was trained on.
"""
import dataclasses
import json
import logging
import pathlib
import re
import time

import numpy as np

from ..errors import ConfigError, ModelFileError
from ..generators import make_generator
from ..generators.procedural import ProceduralGenerator
from ..motion.dataset import load_tracks, speaker_folds
from . import metrics as M
from . import robustness as R
from .segments import segments
from .summary import GAZE_CONFIDENCE_MIN, gaze_trusted, speech_head_speed, summarise
from .tuning import tune_procedural

log = logging.getLogger(__name__)

EVAL_FPS = 25.0
OTHER_REAL = "other real speaker"
REAL = "real (held-out)"
POOLED = "pooled"
MIN_HELDOUT = 4
FOLD_COLUMNS = (
    ("FD", "head Fréchet distance (2 s windows)"),
    ("amp yaw", "amplitude ratio head_yaw"), ("amp pitch", "amplitude ratio head_pitch"),
    ("amp roll", "amplitude ratio head_roll"), ("vel yaw", "velocity ratio head_yaw"),
    ("vel pitch", "velocity ratio head_pitch"), ("vel roll", "velocity ratio head_roll"),
    ("coupling", "coupling"), ("sacc/min", "saccades per min"),
    ("peak °/s", "peak eye speed (°/s)"), ("sacc path %", "gaze path in saccades (%)"),
    ("blinks/min", "blinks per min"), ("pause blinks/min", "blinks per min in pauses > 0.7 s"),
    ("full blinks %", "blinks reaching ≥ 0.9 closure (%)"), ("pause÷speech", "head speed, pauses ÷ speech"),
    ("noise÷speech (worst)", "head speed on noise ÷ speech, worst"), ("seed r", "seed correlation (head)"),
    ("repeat r", "repeat correlation (same 6 s twice)"))
SUMMARY_ROWS = (
    "head Fréchet distance (2 s windows)", "head + gaze Fréchet distance (2 s windows)", "amplitude ratio head_yaw",
    "amplitude ratio head_pitch",
    "amplitude ratio head_roll", "velocity ratio head_yaw", "velocity ratio head_pitch", "velocity ratio head_roll",
    "coupling", "saccades per min", "peak eye speed (°/s)", "gaze path in saccades (%)", "fixation median (s)",
    "gaze > 5° off its median (% of time)", "blinks per min", "blinks reaching ≥ 0.9 closure (%)",
    "blink close duration, 10→90% (ms)", "blink reopen duration, 90→10% (ms)",
    "lid half-closed 0.2–0.8 (% of frames)", "blinks with a saccade within ±200 ms (%)",
    "blinks with a saccade within ±200 ms, by chance (%)", "head speed, pauses ÷ speech",
    "blinks per min in pauses > 0.7 s", "head speed on noise ÷ speech, worst", "blinks per min in digital silence",
    "seed correlation (head)", "repeat correlation (same 6 s twice)", "style retrieval, model's own encoder (%)")


@dataclasses.dataclass
class Clip:
    """A real track at the evaluation rate with its audio and voice-activity segments, loaded once."""

    track: object
    real: object
    audio: np.ndarray
    seg: object

    @property
    def speaker(self):
        return self.track.speaker

    @property
    def name(self):
        return (self.track.source.split() or [self.speaker or "?"])[0]


def load_clips(tracks):
    clips = []
    for t in tracks:
        audio = t.load_audio(16000)
        clips.append(Clip(t, t.resampled(EVAL_FPS), audio, segments(audio, EVAL_FPS)))
    return clips


def make_folds(tracks, heldout=None, n_folds=None, min_heldout=MIN_HELDOUT, seed=0):
    """speaker_folds, lowering ``min_heldout`` (with a warning) when there are too few speakers for two folds."""
    if heldout is not None:
        return speaker_folds(tracks, heldout=heldout), None
    n_speakers = len({t.speaker for t in tracks})
    note = None
    if n_folds is None and n_speakers < 2 * min_heldout:
        new = max(1, n_speakers // 2)
        note = (f"only {n_speakers} speakers: folds hold out >= {new} speakers each, not {min_heldout}")
        log.warning(note)
        min_heldout = new
    return speaker_folds(tracks, n_folds=n_folds, min_heldout=min_heldout, seed=seed), note


def model_training_speakers(checkpoint, speakers):
    """(speakers the checkpoint was trained on, how we know) from its config's ``training`` section."""
    from ..model.checkpoint import read_json

    cfg = read_json(pathlib.Path(checkpoint) / "config.json")
    training = cfg.get("training", {})
    if "train_speakers" in training:
        return set(training["train_speakers"]), "recorded in the checkpoint"
    named = {m.group(1) for s in cfg.get("styles", {}).values()
             for m in [re.search(r"real speaker '([^']+)'", str(s.get("source", "")))] if m}
    if named:
        return named, "not recorded in the checkpoint; read from its real-speaker styles"
    held = set(training.get("heldout_speakers", []))
    return set(speakers) - held, "not recorded in the checkpoint; assumed all speakers but its held-out ones"


def _trim(track, n):
    if len(track) >= n:
        return dataclasses.replace(track, motion=track.motion[:n], valid=track.valid[:n])
    pad = n - len(track)
    return dataclasses.replace(track, motion=np.pad(track.motion, ((0, pad), (0, 0)), mode="edge"),
                               valid=np.pad(track.valid, ((0, pad), (0, 0)), mode="edge"))


def _donor_track(clip, donor):
    """Real motion of a training-side speaker, tiled/cropped to the held-out clip's length."""
    m, v = donor.real.motion, donor.real.valid
    reps = int(np.ceil(len(clip.real) / len(m)))
    n = len(clip.real)
    return dataclasses.replace(clip.real, motion=np.concatenate([m] * reps)[:n], valid=np.concatenate([v] * reps)[:n],
                               source=f"real:{donor.track.source}", speaker=donor.speaker,
                               gaze_confidence=getattr(donor.track, "gaze_confidence", None))


class Evaluation:
    """Everything one ``sgt-lite eval`` run generates and measures.

    ``per[name][i]`` is generator ``name``'s track on clip ``i`` (seed ``seed``);
    ``extra[name][i]`` holds the seed and repeat correlations and style outputs;
    ``robust[name][fold]`` holds the noise and silence responses.

    >>> from sgt_lite.motion import MotionTrack
    >>> rng = np.random.default_rng(0)
    >>> tracks = [MotionTrack.from_channels(25.0, head_yaw=np.cumsum(rng.normal(0, 0.3, 100)), speaker=s,
    ...                                     audio=0.1 * rng.standard_normal(64000), audio_rate=16000)
    ...           for s in ("ann", "bob")]
    >>> ev = Evaluation(["static"], tracks, min_heldout=1, progress=lambda line: None)
    >>> [held for held, _, _ in ev.folds], ev.per[OTHER_REAL][0].speaker
    ([['ann'], ['bob']], 'bob')
    >>> rows = ev.rows(ev.heldout, [0, 1])
    >>> rows["static"]["amplitude ratio head_yaw"], round(rows[OTHER_REAL]["amplitude ratio head_yaw"], 2)  # swapped
    (0.0, 1.0)
    """

    def __init__(self, generator_names, tracks, heldout=None, seed=0, checkpoint=None, n_folds=None,
                 min_heldout=MIN_HELDOUT, progress=print):
        unknown = [n for n in generator_names if n not in ("static", "sway", "procedural", "model")]
        if unknown:
            raise ConfigError(f"unknown generator(s) {unknown}; available: static, sway, procedural, model")
        self.names = list(generator_names)
        self.seed = seed
        self.checkpoint = checkpoint or "checkpoints/default"
        self.progress = progress
        self.folds, self.fold_note = make_folds(tracks, heldout, n_folds, min_heldout)
        t0 = time.time()
        self.clips = load_clips(tracks)
        progress(f"  loaded {len(self.clips)} clips ({sum(c.real.duration for c in self.clips):.0f} s) "
                 f"in {time.time() - t0:.1f} s")
        index = {id(t): i for i, t in enumerate(tracks)}
        self.fold_clips = [[index[id(t)] for t in test] for _, _, test in self.folds]
        self.fold_train = [[index[id(t)] for t in train] for _, train, _ in self.folds]
        self.fold_of = {i: k for k, idx in enumerate(self.fold_clips) for i in idx}
        self.heldout = sorted(self.fold_of)
        self.per_fold_model = "{fold}" in str(self.checkpoint)
        self.model_speakers, self.model_speakers_how = {}, {}
        if "model" in self.names:
            speakers = {c.speaker for c in self.clips}
            for k in range(len(self.folds)):
                self.model_speakers[k], self.model_speakers_how[k] = model_training_speakers(
                    self.checkpoint_for(k), speakers)
        self._models, self._model_noise, self._encoders = {}, {}, {}
        self.per = {n: {} for n in self.names + [OTHER_REAL]}
        self.extra = {n: {} for n in self.names}
        self.robust = {n: {} for n in self.names}
        self.tuned = {}
        self.sentences = {}
        self._run()

    def checkpoint_for(self, k):
        """The model checkpoint scored on fold ``k`` (0-based, as ``sgt_train --heldout-fold``)."""
        return str(self.checkpoint).format(fold=k) if self.per_fold_model else str(self.checkpoint)

    def unseen_by_model(self, i):
        return self.clips[i].speaker not in self.model_speakers.get(self.fold_of[i], set())

    # generation ------------------------------------------------------------------
    def _generators(self, k):
        gens = {}
        for name in self.names:
            if name == "procedural":
                train = [self.clips[i] for i in self.fold_train[k]]
                style = tune_procedural([c.real for c in train], [c.audio for c in train], EVAL_FPS, self.seed)
                self.tuned[k] = style
                gens[name] = ProceduralGenerator(fps=EVAL_FPS, style=style)
            elif name == "model":
                path = self.checkpoint_for(k)
                if path not in self._models:
                    self._models[path] = make_generator("model", checkpoint=path)
                gens[name] = self._models[path]
            else:
                gens[name] = make_generator(name, fps=EVAL_FPS)
        return gens

    def _run(self):
        for k, (held, _, _) in enumerate(self.folds):
            t0 = time.time()
            gens = self._generators(k)
            train = sorted(self.fold_train[k], key=lambda i: (-self.clips[i].real.duration, self.clips[i].name))
            for j, i in enumerate(self.fold_clips[k]):
                clip = self.clips[i]
                piece = R.sentence(clip.audio, clip.seg.utterances, EVAL_FPS)
                self.sentences.setdefault(k, piece)
                for name, gen in gens.items():
                    self.per[name][i] = _trim(gen.generate(clip.audio, 16000, seed=self.seed).resampled(EVAL_FPS),
                                              len(clip.real))
                    ex = {"styles": {}}
                    other = gen.generate(clip.audio, 16000, seed=self.seed + 1).resampled(EVAL_FPS)
                    ex["seed r"] = R.head_correlation(self.per[name][i], other)
                    ex["repeat r"] = R.repeat_correlation(gen, piece, seed=self.seed)
                    motions = {}
                    for style in gen.styles:
                        t = gen.generate(clip.audio, 16000, seed=self.seed + 1, style=style)
                        ex["styles"][style] = M.style_features(t.resampled(EVAL_FPS))
                        motions[style] = t.motion
                    if name == "model" and motions:
                        ex["encoder hits"] = self._encoder_hits(motions, self.checkpoint_for(k))
                    self.extra[name][i] = ex
                self.per[OTHER_REAL][i] = _donor_track(clip, self.clips[train[j % len(train)]]) if train else clip.real
            for name, gen in gens.items():
                self.robust[name][k] = self._robustness(name, gen, self.sentences[k], k)
            self.progress(f"  fold {k + 1}/{len(self.folds)}: held out {', '.join(held)} "
                          f"({len(self.fold_clips[k])} clips) in {time.time() - t0:.1f} s")

    def _robustness(self, name, gen, piece, k):
        path = self.checkpoint_for(k)
        if name == "model" and path in self._model_noise:
            speeds = self._model_noise[path]
        else:
            speeds = R.noise_speeds(gen, self.seed)
            if name == "model":
                self._model_noise[path] = speeds
        return {"noise": speeds, **R.silence_response(gen, piece, self.seed, fps=EVAL_FPS)}

    # scoring ---------------------------------------------------------------------------
    def scopes(self):
        """[(label, clip indices, fold indices)]: pooled, each fold, and the speakers the model never saw."""
        out = [(POOLED, self.heldout, list(range(len(self.folds))))]
        for k, (held, _, _) in enumerate(self.folds):
            out.append((f"fold {k + 1}", self.fold_clips[k], [k]))
        if "model" in self.names:
            unseen = [i for i in self.heldout if self.unseen_by_model(i)]
            if unseen and len(unseen) < len(self.heldout):
                out.append(("speakers the model never saw", unseen, sorted({self.fold_of[i] for i in unseen})))
        return out

    def rows(self, idx, folds):
        reals = [self.clips[i].real for i in idx]
        audios = [self.clips[i].audio for i in idx]
        segs = [self.clips[i].seg for i in idx]
        dur = np.array([r.duration for r in reals])
        rows = {REAL: summarise(reals, reals, audios, segs)}
        for name in self.names + [OTHER_REAL]:
            gens = [self.per[name][i] for i in idx]
            rows[name] = summarise(reals, gens, audios, segs)
            if name in self.robust:
                rows[name].update(self._robust_rows(name, idx, folds, gens, segs, dur))
                rows[name].update(self._style_rows(name, idx))
        return rows

    def _robust_rows(self, name, idx, folds, gens, segs, dur):
        ref = speech_head_speed(gens, segs)
        rb = [self.robust[name][k] for k in folds]
        out = {}
        worst = []
        for kind in R.NOISES:
            v = float(np.mean([r["noise"][kind] for r in rb])) / ref if ref > 1e-9 else float("nan")
            out[f"head speed on {kind} ÷ speech"] = v
            worst.append(v)
        worst = [v for v in worst if np.isfinite(v)]
        out["head speed on noise ÷ speech, worst"] = float(max(worst)) if worst else float("nan")
        out["head speed in digital silence ÷ speech"] = (float(np.mean([r["silence speed"] for r in rb])) / ref
                                                         if ref > 1e-9 else float("nan"))
        out["blinks per min in digital silence"] = float(np.mean([r["silence blinks per min"] for r in rb]))
        w = dur / dur.sum()
        for key, label in (("seed r", "seed correlation (head)"), ("repeat r", "repeat correlation (same 6 s twice)")):
            v = np.array([self.extra[name][i][key] for i in idx])
            ok = np.isfinite(v)
            out[label] = float(np.sum(w[ok] * v[ok]) / np.sum(w[ok])) if ok.any() else float("nan")
        return out

    def _encoder_hits(self, motions, path):
        """(windows whose nearest style code is the one they were generated with, windows), model's encoder."""
        if path not in self._encoders:
            from ..model.checkpoint import Checkpoint
            from ..model.style_encoder import NumpyStyleEncoder

            ck = Checkpoint.load(path)
            self._encoders[path] = (NumpyStyleEncoder.from_checkpoint(ck),
                                    {n: np.asarray(v["code"], np.float32) for n, v in ck.styles.items()})
        encoder, codes_by_name = self._encoders[path]
        names = list(motions)
        table = np.stack([codes_by_name[n] for n in names])
        hits = total = 0
        for k, n in enumerate(names):
            codes = encoder.windows(motions[n])
            hits += int(np.sum(np.argmax(codes @ table.T, axis=1) == k))
            total += len(codes)
        return hits, total

    def _style_rows(self, name, idx):
        styles = {}
        for i in idx:
            for s, x in self.extra[name][i]["styles"].items():
                styles.setdefault(s, []).append(x)
        if not styles:
            return {}
        out = {}
        feats = {s: np.concatenate(f) for s, f in styles.items()}
        out["style retrieval, nearest centroid (%)"] = 100.0 * M.nearest_centroid_accuracy(feats)
        out["style chance (%)"] = 100.0 / len(styles)
        hits = [self.extra[name][i]["encoder hits"] for i in idx if "encoder hits" in self.extra[name][i]]
        if hits:
            out["style retrieval, model's own encoder (%)"] = 100.0 * sum(h for h, _ in hits) / max(
                sum(t for _, t in hits), 1)
        return out

    # notes ------------------------------------------------------------------------------
    def notes(self):
        lines = []
        if self.fold_note:
            lines.append(f"- Folds: {self.fold_note}.")
        for k, (held, train, _) in enumerate(self.folds):
            lines.append(f"- Fold {k + 1} holds out {', '.join(held)} "
                         f"({sum(self.clips[i].real.duration for i in self.fold_clips[k]):.0f} s); "
                         f"trains on {len({t.speaker for t in train})} speakers "
                         f"({sum(t.duration for t in train):.0f} s).")
        if "model" in self.names:
            if self.per_fold_model:
                lines.append(f"- **model**: one checkpoint per fold, `{self.checkpoint}` with fold = 0, 1, ...")
            else:
                lines.append(f"- **model** is the one checkpoint `{self.checkpoint}`, not retrained per fold.")
            for k, (held, _, _) in enumerate(self.folds):
                if self.per_fold_model or k == 0:
                    ms = ", ".join(sorted(self.model_speakers[k])) or "none"
                    where = f"fold {k + 1}: " if self.per_fold_model else ""
                    lines.append(f"  - {where}real speakers it was trained on: {ms} ({self.model_speakers_how[k]}).")
                overlap = sorted(set(held) & self.model_speakers[k])
                if overlap:
                    lines.append(f"  - In fold {k + 1} the model was trained on held-out speaker(s) "
                                 f"{', '.join(overlap)}: its numbers there are not held-out.")
            if any(not self.unseen_by_model(i) for i in self.heldout):
                lines.append("  - The scope 'speakers the model never saw' (in the per-fold and target tables) "
                             "excludes them.")
        if "procedural" in self.names and self.tuned:
            tuned = "; ".join(f"fold {k + 1}: amplitude {s.amplitude:.2g}°, nod {s.nod_strength:.2g}°, "
                              f"jitter {s.jitter:.2g}, speed {s.speed:.2g}, blinks {s.blink_rate:.3g}/min"
                              for k, s in sorted(self.tuned.items()))
            lines.append("- **procedural** is tuned per fold on that fold's training speakers only: head scales by "
                         "coordinate search on their 2 s window statistics, blink rate by their detected blinks; gaze "
                         f"stays at the neutral preset ({tuned}).")
        lines.append(f"- **{OTHER_REAL}**: real motion of a training-side speaker of the same fold, tiled to the "
                     "held-out clip's length (a human that ignores this audio).")
        low = [self.clips[i].name for i in self.heldout if not gaze_trusted(self.clips[i].track)]
        if low:
            lines.append(f"- Real gaze of {len(low)} held-out clip(s) has gaze confidence < {GAZE_CONFIDENCE_MIN:g} "
                         "(an eye under 24 px wide, where one pixel of iris is about 6°) and is left out of the "
                         f"real column's eye metrics (and from a donor's in 'other real speaker'): {', '.join(low)}. "
                         "Generated gaze is scored on every clip.")
        pause_s = sum(np.sum(self.clips[i].seg.pause_mask()) for i in self.heldout) / EVAL_FPS
        total = sum(self.clips[i].real.duration for i in self.heldout)
        lines.append(f"- Pauses (voice inactive > 0.7 s) cover {pause_s:.0f} s of the {total:.0f} s held out.")
        lines.append("- Noise inputs (20 s each, synthesised, seeded): white noise −40 dBFS, music −25 dBFS, "
                     "room tone −50 dBFS, claps −30 dBFS RMS; ratios are to head speed in the held-out speech "
                     "(voice active, not in a pause). Digital silence: 10 s of zeros after a 6 s sentence.")
        return lines


# tables -----------------------------------------------------------------------------------
def _cell(v):
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "–"
    return "0" if abs(v) < 1e-9 else f"{v:.3g}"


def markdown_table(rows) -> str:
    names = list(rows)
    metrics = []
    for r in rows.values():
        for m in r:
            if m not in metrics:
                metrics.append(m)
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for m in metrics:
        lines.append(f"| {m} | " + " | ".join(_cell(rows[n].get(m, float("nan"))) for n in names) + " |")
    return "\n".join(lines)


def summary_markdown(scoped, checks, command) -> str:
    """The short version for the README: key rows of the pooled table and the targets missed."""
    from . import targets

    rows = scoped[POOLED]
    keep = {n: {k: r[k] for k in SUMMARY_ROWS if k in r} for n, r in rows.items()}
    out = [f"`{command or 'sgt-lite eval'}`", "", markdown_table(keep), ""]
    if checks:
        for scope in checks:
            if scope == POOLED or scope.startswith("speakers"):
                met = sum(r["met"] for r in checks[scope])
                out += [f"Model, {scope}: {met} of {len(checks[scope])} targets of issue #12 met; missed:", ""]
                out += targets.misses(checks, scope) + [""]
    return "\n".join(out)


def fold_table(scoped) -> str:
    """Rows: scope x generator; columns: the key metrics."""
    head = "| scope | generator | " + " | ".join(c for c, _ in FOLD_COLUMNS) + " |"
    lines = [head, "|---|---|" + "---:|" * len(FOLD_COLUMNS)]
    for label, rows in scoped.items():
        if label == POOLED:
            continue
        for name, r in rows.items():
            lines.append(f"| {label} | {name} | " + " | ".join(_cell(r.get(k, float("nan"))) for _, k in FOLD_COLUMNS)
                         + " |")
    return "\n".join(lines)


def model_checkpoint(generator_names, checkpoint=None):
    """The checkpoint the 'model' generator scores: ``checkpoint``, else checkpoints/default in the
    working folder or in the repository clone this package runs from. A missing one is a
    :class:`ModelFileError` naming the way out, raised before any work starts."""
    if "model" not in generator_names:
        return checkpoint
    repo = pathlib.Path(__file__).resolve().parents[2]
    candidates = [checkpoint] if checkpoint else ["checkpoints/default", str(repo / "checkpoints" / "default")]
    for c in candidates:
        if (pathlib.Path(str(c).format(fold=0)) / "config.json").is_file():
            return str(c)
    looked = " or ".join(str(pathlib.Path(str(c).format(fold=0)).resolve()) for c in candidates)
    raise ModelFileError(f"the 'model' generator scores a training checkpoint, and there is none at {looked}: "
                         "checkpoints/default comes with a clone of the sgt-lite repository (or train one with "
                         "sgt_train); pass --checkpoint DIR, or leave 'model' out of --generators")


def run(generator_names, out_dir, heldout=None, seed=0, tracks_dir=None, audio_root=None, checkpoint=None,
        n_folds=None, min_heldout=MIN_HELDOUT, progress=print, command=None):
    """The whole evaluation: writes eval.md (everything), summary.md (the README's short version), eval.json
    and the figures to ``out_dir``; returns (pooled table, eval.md path, figure paths, seconds)."""
    from . import figures, reference, targets

    t_start = time.time()
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tracks = load_tracks(tracks_dir, audio_root)
    checkpoint = model_checkpoint(generator_names, checkpoint)
    ev = Evaluation(generator_names, tracks, heldout, seed, checkpoint, n_folds, min_heldout, progress)
    scoped = {label: ev.rows(idx, folds) for label, idx, folds in ev.scopes()}
    table = markdown_table(scoped[POOLED])
    pngs = figures.write_all(ev, out_dir)
    ref_path = reference.default_path()
    ref = reference.fixation_stats(reference.read_fixations(ref_path)) if ref_path.is_file() else None
    checks = targets.check(scoped) if "model" in generator_names else None
    elapsed = time.time() - t_start
    held = ev.heldout
    md = [f"# sgt-lite eval\n",
          f"`{command or 'sgt-lite eval'}`\n",
          f"{len(held)} held-out clips of {len({ev.clips[i].speaker for i in held})} speakers "
          f"({sum(ev.clips[i].real.duration for i in held):.0f} s) in {len(ev.folds)} speaker-disjoint folds; "
          f"every speaker is held out once. Generated and real motion at {EVAL_FPS:g} fps. "
          f"Ran in {elapsed:.0f} s.\n",
          "## Pooled over all held-out speakers\n", table, "", *ev.notes(), "",
          "## Per fold\n", fold_table(scoped), ""]
    if checks is not None:
        md += ["## The model against the targets of issue #12\n", targets.markdown(checks), ""]
    if ref is not None:
        md += ["## Real gaze timing from eye tracking (gaze_conversation, 19 people)\n", reference.markdown(ref), "",
               "Fixations from a 90 Hz screen eye tracker (which sees saccades far smaller than 25 fps video "
               "does, so its fixations are far shorter than the video's saccade-to-saccade intervals); "
               "`onset-to-onset` is the file's `pause_before_ms`; the end-to-start gap is derived from the samples.",
               ""]
    md += ["## Figures\n"] + [f"![{p.stem}]({p.name})" for p in pngs] + [""]
    (out_dir / "eval.md").write_text("\n".join(md))
    (out_dir / "summary.md").write_text(summary_markdown(scoped, checks, command))
    payload = {"command": command, "seconds": elapsed, "folds": [held for held, _, _ in ev.folds],
               "model_training_speakers": {f"fold {k + 1}": sorted(v) for k, v in ev.model_speakers.items()},
               "scopes": scoped,
               "targets": checks, "gaze_conversation": ref}
    (out_dir / "eval.json").write_text(json.dumps(payload, indent=1, default=_json_default, allow_nan=True))
    return table, out_dir / "eval.md", pngs, elapsed


def _json_default(x):
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    if isinstance(x, np.bool_):
        return bool(x)
    raise TypeError(type(x))
