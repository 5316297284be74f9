"""SeSyn-Net: the skeleton graph, the embedding network, its losses, embedding and checkpoints.

This package is the only one that imports torch for modelling; everything else talks to it
through numpy arrays (:func:`embed_track`) and checkpoint files.
"""

from videosync.model.checkpoint import default_model_path, load_checkpoint, save_checkpoint
from videosync.model.embed import embed_poses, embed_track
from videosync.model.graph import spatial_adjacency
from videosync.model.losses import SeSynLoss, default_scale, sesyn_loss
from videosync.model.network import SeSynConfig, SeSynNet

__all__ = [
    "SeSynConfig",
    "SeSynLoss",
    "SeSynNet",
    "default_model_path",
    "default_scale",
    "embed_poses",
    "embed_track",
    "load_checkpoint",
    "save_checkpoint",
    "sesyn_loss",
    "spatial_adjacency",
]
