from setuptools import Extension, find_packages, setup

mfcc = Extension(
    "sgt_lite.audio._mfcc",
    sources=["sgt_lite/audio/_mfcc_binding.c", "sgt_lite/audio/csrc/sgt_mfcc.c"],
    include_dirs=["sgt_lite/audio", "sgt_lite"],
    # no FMA contraction: keeps the C core bit-compatible with the numpy reference on aarch64 too
    extra_compile_args=["-O3", "-ffp-contract=off"],
)

frames = Extension(
    "sgt_lite.events._frames",
    sources=["sgt_lite/events/_frames_binding.c", "sgt_lite/events/csrc/sgt_frames.c"],
    include_dirs=["sgt_lite/events", "sgt_lite"],
    # no FMA contraction and no builtin maths (gcc would fuse sin + cos into sincos and turn pow(x, 2)
    # into x * x): the same libm calls as Python's math module, so the frames are bit-identical
    extra_compile_args=["-O2", "-ffp-contract=off", "-fno-builtin", "-fexcess-precision=standard"],
)

graph_steps = Extension(
    "sgt_lite.model._graph_steps",
    sources=["sgt_lite/model/_graph_steps_binding.c"],
    include_dirs=["sgt_lite"],
    extra_compile_args=["-O2"],
)

DATA = ["scipy>=1.7", "matplotlib>=3.5"]
# mediapipe 0.10.21 is the newest wheel that ships its face models (newer ones
# download them at run time); it needs numpy < 2.
EXTRACT = ["mediapipe==0.10.21", "numpy<2"] + DATA

# training: the CPU build of torch 2.13.0 (any other spec downloads gigabytes here)
TRAIN = ["torch==2.13.0", "tqdm>=4"] + DATA

ONNX = ["onnxruntime>=1.16"]
LITERT = ["ai-edge-litert>=1.2"]  # on devices that only have it, tflite-runtime works too
QUANTIZE = TRAIN + ONNX + ["onnx>=1.15", "onnxscript", "litert-torch==0.10.0", "ai-edge-quantizer==0.10.0",
                           "ai-edge-litert==2.3.0"]

ROBOT = ["pyserial>=3.5", "smbus2>=0.4", "sounddevice>=0.4"]
AUDIO = ["soundfile>=0.12"]  # FLAC, OGG and MP3 as well as WAV
# Reachy Mini's SDK with its MuJoCo simulation (1.13.0 needs a certifi newer than the registry has).
# Linux also needs: apt-get install libcairo2-dev libgirepository1.0-dev gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0
# It pins numpy>=2.2.5 and onnxruntime==1.27.0: do not combine with [extract] (numpy<2).
REACHY = ["reachy-mini[mujoco]==1.12.0; python_version >= '3.11'"]
# ROS 2 as pip wheels (no ROS install, nothing to source); cp311 wheels only, a matched set.
ROS2 = [p + "; python_version >= '3.11'" for p in ("ros-rclpy==9.1.2", "ros-sensor-msgs==5.5.1", "ros-std-msgs==5.5.1",
                                                   "ros-geometry-msgs==5.5.1", "ros-rmw-fastrtps-cpp==9.3.3")]
RENDER = ["pillow>=9"]
DISPLAY = ["pygame>=2.1"] + RENDER

TEST = DATA + ONNX + LITERT + RENDER + AUDIO + ["onnx>=1.15", "pygame>=2.1", "pyserial>=3.5"] + [
    "pytest>=7",
    "hypothesis>=6",
    "librosa>=0.10",
    "python_speech_features==0.6",
    "setuptools>=61",
    "wheel",
]

setup(
    name="sgt-lite",
    version="0.1.0",
    description="Streaming speech to head, gaze and blink motion for robot heads (StyGazeTalk-lite)",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.9",
    packages=find_packages(include=["sgt_lite", "sgt_lite.*", "sgt_train", "sgt_train.*", "quantize"]),
    package_data={"sgt_train": ["recipes/*.json"], "sgt_lite": ["data/*.wav", "data/NOTICE", "data/default_bundle/*", "audio/csrc/*.h", "audio/csrc/*.c", "events/csrc/*.h", "events/csrc/*.c", "sgt_pyhelp.h",
                               "motion/canonical_face_model_vertices.txt", "motion/NOTICE.mediapipe", "events/*.json",
                               "shaping/profiles/*.toml"]},
    ext_modules=[mfcc, frames, graph_steps],
    install_requires=["numpy>=1.21", "tomli>=1.1; python_version < '3.11'"],
    extras_require={"data": DATA, "extract": EXTRACT, "train": TRAIN, "onnx": ONNX, "litert": LITERT,
                    "quantize": QUANTIZE, "robot": ROBOT, "render": RENDER, "display": DISPLAY, "audio": AUDIO,
                    "reachy": REACHY, "ros2": ROS2, "test": TEST},
    entry_points={"console_scripts": ["sgt-lite=sgt_lite.cli:main"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "Operating System :: POSIX :: Linux",
        "Programming Language :: C",
    ],
)
