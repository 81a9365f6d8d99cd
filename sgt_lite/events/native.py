"""The per-frame stages after the network in C (``sgt_lite.events._frames``): voice activity,
eye events, head motion, the style's pose offset and the output clamps of one stream, bit for bit
what the Python classes compute (:class:`~sgt_lite.audio.vad.VoiceActivity`,
:class:`~sgt_lite.events.motion.MotionRenderer` and ``Animator``'s pose and clamps). The Animator
uses it when the extension is built, and the Python classes otherwise (or with
``SGT_LITE_FRAMES=python``)."""
import importlib
import logging
import os

from ..audio.vad import ENVELOPE_PENALTY, ENVELOPE_VOICE_MAX, N_CEPSTRA, PAIRS
from ..errors import BackendUnavailableError, ConfigError

log = logging.getLogger(__name__)

FRAMES_ENV = "SGT_LITE_FRAMES"
FRAMES_CHOICES = ("auto", "c", "python")
C_MODULE = "sgt_lite.events._frames"


def frames_choice(module: str = None) -> str:
    """``"c"`` or ``"python"``: what ``SGT_LITE_FRAMES`` asks for (``auto``: C when ``module``, by
    default the frames extension, is built)."""
    want = os.environ.get(FRAMES_ENV, "auto").strip() or "auto"
    if want not in FRAMES_CHOICES:
        raise ConfigError(f"{FRAMES_ENV}={want!r} is not one of {FRAMES_CHOICES}")
    if want == "python":
        return "python"
    module = module or C_MODULE
    try:
        importlib.import_module(module)
    except ImportError as exc:
        if want == "c":
            raise BackendUnavailableError(f"{FRAMES_ENV}=c but the C extension {module} is not built ({exc}); "
                                          "reinstall with 'pip install .' and a C compiler") from exc
        log.debug("%s is not built (%s); its stage runs in Python", module, exc)
        return "python"
    return "c"


def frames_config(vad, renderer, lo, hi, zero, pose_rate, noise_dim, feat_mean, feat_std, input_dim) -> dict:
    """The C stage's settings, taken from the Python objects it mirrors (so the two never drift)."""
    eyes, head, lay = renderer.eyes, renderer.head, renderer.layout
    cfg, grid, prior = eyes.config, eyes.config.grid, eyes.prior
    vc = vad.config
    wy, wp = grid.cell_size
    return {
        "block": vc.block, "frame_size": vad.frame_size, "n_cep": N_CEPSTRA,
        "vad_mean": vad._mean, "vad_inv_scale": vad._inv_scale, "vad_coef": vad._coef,
        "vad_intercept": vad._intercept, "pairs": [i for p in PAIRS for i in p],
        "k_energy": vad._k_energy, "k_feat": vad._k_feat, "k_fast": vad._k_fast, "k_slow": vad._k_slow,
        "k_mod": vad._k_mod, "k_mod_long": vad._k_mod_long, "k_smooth": vad._k_smooth,
        "floor_n": vad._floor_n, "snr_n": vad._snr_n, "flux_n": vad._flux_n, "onset": vad._onset,
        "hang": vad._hang, "on_logit": vc.on_logit, "off_logit": vc.off_logit,
        "env_voice_max": ENVELOPE_VOICE_MAX, "env_penalty": ENVELOPE_PENALTY,
        "size": lay.size, "i_saccade": lay.saccade, "i_blink": lay.blink, "i_state": lay.state.start,
        "i_target": lay.target.start, "n_cells": lay.n_cells, "noise_dim": noise_dim,
        "net_mean": renderer._mean.tolist(), "net_std": renderer._std.tolist(), "k_smooth_head": head._k,
        "attack": head._attack, "release": head._release, "listen_level": head.cfg.listen_level,
        "fps": eyes.fps, "n_yaw": grid.n_yaw, "n_pitch": grid.n_pitch, "yaw_deg": grid.yaw_deg,
        "pitch_deg": grid.pitch_deg, "cell_wy": wy, "cell_wp": wp, "centre": [float(v) for v in eyes._centre],
        "saccade_intercept": cfg.saccade_intercept_s, "saccade_slope": cfg.saccade_slope_s_per_deg,
        "saccade_jitter": cfg.saccade_jitter, "min_fixation": cfg.min_fixation_s,
        "drift_return": cfg.drift_return_per_s, "micro_min": cfg.microsaccade_min_deg,
        "micro_max": cfg.microsaccade_max_deg, "blink_close": cfg.blink_close_s, "blink_hold": cfg.blink_hold_s,
        "blink_open_ratio": cfg.blink_open_ratio, "blink_jitter": cfg.blink_jitter,
        "blink_refractory": cfg.blink_refractory_s, "blink_saccade_deg": cfg.blink_saccade_deg,
        "blink_saccade_prob": cfg.blink_saccade_prob, "drift_step": eyes._drift_step, "micro_p": eyes._micro_p,
        "blink_p_listen": eyes._blink_p_listen, "prior_shift": prior.shift, "prior_mu": prior.mu,
        "prior_sigma": prior.sigma, "spread_yaw": prior.spread_yaw, "spread_pitch": prior.spread_pitch,
        "amp": prior._amp.tolist(), "levels": prior._levels.tolist(),
        "lo": list(lo), "hi": list(hi), "zero": list(zero), "pose_rate": pose_rate,
        "feat_mean": [float(v) for v in feat_mean], "feat_std": [float(v) for v in feat_std], "input_dim": input_dim,
    }


def make_frames(frame_type, *args):
    """A C ``Frames`` object for one stream (``args``: those of :func:`frames_config`)."""
    module = importlib.import_module(C_MODULE)
    return module.Frames(frames_config(*args), frame_type)
