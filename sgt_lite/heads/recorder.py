"""Drivers that record or show commands: CSV, JSON lines, a console view."""
import json
import sys

from .base import HeadDriver


class CsvRecorder(HeadDriver):
    """Writes one row per command: ``t`` then the profile's joints."""

    def __init__(self, path, profile="pan_tilt"):
        self.path = path
        super().__init__(profile)

    def _open(self):
        self._f = open(self.path, "w")
        self._f.write("n," + ",".join(self.joint_names) + "\n")

    def _send(self, joints):
        self._f.write(f"{self.commands_sent}," + ",".join(f"{joints.get(n, float('nan')):.3f}"
                                                          for n in self.joint_names) + "\n")

    def _close(self):
        self._f.close()


class JsonlRecorder(CsvRecorder):
    """One JSON object per command."""

    def _open(self):
        self._f = open(self.path, "w")

    def _send(self, joints):
        self._f.write(json.dumps({"n": self.commands_sent, **{k: round(v, 3) for k, v in joints.items()}}) + "\n")


class ConsoleView(HeadDriver):
    """A one-line bar view of every joint, redrawn in place (for a terminal)."""

    def __init__(self, profile="pan_tilt", stream=None, every=5):
        self.stream = stream or sys.stdout
        self.every = every
        super().__init__(profile)

    def _send(self, joints):
        if self.commands_sent % self.every:
            return
        parts = []
        for n, j in self.profile.joints.items():
            v = joints.get(n, j.neutral)
            pos = int(round(8 * (v - j.min) / (j.max - j.min)))
            parts.append(f"{n[:9]:>9} {'-' * pos}|{'-' * (8 - pos)} {v:+6.1f}")
        self.stream.write("\r" + "  ".join(parts) + "   ")
        self.stream.flush()

    def _close(self):
        self.stream.write("\n")
