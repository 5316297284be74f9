#!/usr/bin/env bash
# Install the MMPose HRNet backend into an existing Python 3.11 environment (videosync's own venv,
# after `pip install -e .`; a fresh venv works too).
#
#   scripts/install-mmpose.sh [PYTHON]      (default: python3; e.g. .venv/bin/python)
#
# About 1 minute on 2 cores, needs gcc. Why this order and these flags (pins: requirements-mmpose.txt):
#  1. torch first, pinned, so nothing later pulls another (CUDA) build.
#  2. cv2 only if none is importable: mediapipe already brings opencv-contrib-python, and a second
#     OpenCV distribution would overwrite its cv2/ files.
#  3. mmengine and mmcv-lite --no-deps (they require opencv-python by name), their real deps listed.
#     mmcv-lite instead of mmcv: full mmcv compiles its ops for 20+ minutes.
#  4. xtcocotools from source against numpy 2: the prebuilt wheel is built against numpy 1 and fails
#     at import with "numpy.dtype size changed". setuptools < 81 because mmengine needs pkg_resources.
#  5. mmpose and mmdet --no-deps: their declared deps include chumpy (does not build), torchvision
#     and opencv-python; mmpose imports mmdet (rtmo_head) and six without declaring them.
# The two modules still missing (mmcv.ops, torchvision for mmpose.visualization.simcc_vis) are
# stood in for at import time by videosync/estimate/_mmpose_compat.py, not installed here.
set -euo pipefail
PY="${1:-python3}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
C="$HERE/requirements-mmpose.txt"
PIP=("$PY" -m pip install -q -c "$C")

"${PIP[@]}" torch==2.13.0
"$PY" -c "import cv2" 2>/dev/null || "${PIP[@]}" opencv-python-headless
"${PIP[@]}" setuptools numpy scipy matplotlib pillow rich Cython addict termcolor yapf PyYAML packaging \
    json-tricks munkres six
"${PIP[@]}" --no-deps mmengine mmcv-lite
"${PIP[@]}" --no-build-isolation --no-binary xtcocotools xtcocotools
"${PIP[@]}" --no-deps mmpose mmdet
"$PY" -c "import mmpose, mmengine, mmcv, xtcocotools; print('mmpose', mmpose.__version__, 'ready')"
