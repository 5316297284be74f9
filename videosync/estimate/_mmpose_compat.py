"""Stand-ins for two modules MMPose imports at load time but HRNet never uses.

- ``mmcv.ops``: mmcv-lite (the only mmcv that installs in minutes on CPU) has no compiled ops, yet
  ``mmpose.models`` imports ``MultiScaleDeformableAttention`` etc. from it for transformer heads.
- ``mmpose.visualization.simcc_vis`` imports torchvision, which cannot be installed beside the
  local CPU torch build.

Each stand-in is installed only when the real module is missing, and its names raise a clear
ImportError if anything actually tries to use them, so a model that needs them fails loudly.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types


class _Missing:
    """A name from a stood-in module: importable, unusable."""

    _module = ""
    _name = ""

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise ImportError(
            f"{self._module}.{self._name} is not available in this install "
            f"(videosync stands in for {self._module} because only HRNet is needed)"
        )


class _StandInModule(types.ModuleType):
    def __getattr__(self, name: str) -> type:
        if name.startswith("__"):
            raise AttributeError(name)
        cls = type(name, (_Missing,), {"_module": self.__name__, "_name": name})
        setattr(self, name, cls)
        return cls


def _stand_in(name: str) -> None:
    module = _StandInModule(name)
    module.__file__ = f"<videosync stand-in for {name}>"
    module.__path__ = []  # a package, so "from mmcv.ops.x import y" also resolves here
    module.__videosync_stand_in__ = True
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent in sys.modules:
        setattr(sys.modules[parent], child, module)


def _importable(name: str) -> bool:
    try:
        importlib.import_module(name)
    except Exception:  # noqa: BLE001 - any failure means "stand in for it"
        for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
            del sys.modules[key]
        return False
    return True


def install_stand_ins() -> list[str]:
    """Install the stand-ins that are needed; return the names stood in for (for the meta)."""
    done: list[str] = []
    if "mmcv.ops" not in sys.modules:
        import mmcv  # noqa: F401 - mmcv-lite itself must be there

        if importlib.util.find_spec("mmcv._ext") is None:
            _stand_in("mmcv.ops")
            done.append("mmcv.ops")
    elif getattr(sys.modules["mmcv.ops"], "__videosync_stand_in__", False):
        done.append("mmcv.ops")
    simcc = "mmpose.visualization.simcc_vis"
    if simcc not in sys.modules:
        if not _importable("torchvision"):
            _stand_in(simcc)
            sys.modules[simcc].SimCCVisualizer  # noqa: B018 - create the one name mmpose imports
            done.append(simcc)
    elif getattr(sys.modules[simcc], "__videosync_stand_in__", False):
        done.append(simcc)
    return done
