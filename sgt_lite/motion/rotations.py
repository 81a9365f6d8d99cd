"""Rotation helpers for the body frame of :mod:`sgt_lite.motion.track`.

Body frame: x forward, y to the subject's left, z up (right-handed).
``matrix_from_euler`` builds Rz(yaw) @ Ry(-pitch) @ Rx(roll); degrees throughout.
"""
import numpy as np


def _rx(a):
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def _ry(a):
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def _rz(a):
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


AXIS_ROTATIONS = {"x": _rx, "y": _ry, "z": _rz}


def matrix_from_euler(yaw, pitch, roll):
    """Head rotation in the body frame from (yaw, pitch, roll) in degrees.

    >>> R = matrix_from_euler(30, 0, 0)
    >>> np.round(R @ [1, 0, 0], 3).tolist()       # forward turns toward +y (its left)
    [0.866, 0.5, 0.0]
    """
    y, p, r = np.radians([yaw, pitch, roll])
    return _rz(y) @ _ry(-p) @ _rx(r)


def euler_from_matrix(R):
    """(yaw, pitch, roll) in degrees from body-frame rotation matrices (..., 3, 3).

    >>> np.round(euler_from_matrix(matrix_from_euler(20, -10, 5)), 6).tolist()
    [20.0, -10.0, 5.0]
    """
    R = np.asarray(R, dtype=np.float64)
    yaw = np.arctan2(R[..., 1, 0], R[..., 0, 0])
    pitch = np.arcsin(np.clip(R[..., 2, 0], -1.0, 1.0))
    roll = np.arctan2(R[..., 2, 1], R[..., 2, 2])
    return np.degrees(np.stack([yaw, pitch, roll], axis=-1))


# Image axes (x right, y down, z away from the camera) of a subject facing the
# camera: its forward is -z, its left is +x (the image's right), its up is -y.
BODY_TO_IMAGE = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, -1.0], [-1.0, 0.0, 0.0]])


def body_from_image_rotation(R_img):
    """A rotation expressed in image axes, re-expressed in the subject's body frame."""
    M = BODY_TO_IMAGE
    return M.T @ R_img @ M


def similarity_fit(src, dst):
    """Least-squares rotation R, scale s, shift t with ``dst ≈ s * src @ R.T + t`` (Umeyama)."""
    mu_s, mu_d = src.mean(0), dst.mean(0)
    a, b = src - mu_s, dst - mu_d
    U, S, Vt = np.linalg.svd(b.T @ a)
    D = np.eye(3)
    D[2, 2] = np.sign(np.linalg.det(U @ Vt)) or 1.0
    R = U @ D @ Vt
    s = np.trace(np.diag(S) @ D) / np.sum(a * a)
    return R, s, mu_d - s * mu_s @ R.T
