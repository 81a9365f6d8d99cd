"""Shaping stage: head profiles, rate limiting, eye-head split, VOR, look-at and idle motion."""
from .idle import IdleBehaviour
from .profile import JOINTS, HeadProfile, Joint, Servo
from .rate_limiter import RateLimiter
from .shaper import Command, MotionShaper

__all__ = ["Command", "HeadProfile", "IdleBehaviour", "JOINTS", "Joint", "MotionShaper", "RateLimiter", "Servo"]
