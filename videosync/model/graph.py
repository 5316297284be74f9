"""The COCO-17 skeleton as a graph, partitioned the way ST-GCN's "spatial" strategy does.

ST-GCN (Yan et al., AAAI 2018) splits every joint's neighbourhood into three subsets with their own
weights: the joint itself, the neighbours closer to the body centre (centripetal) and the others
(centrifugal). That is what lets a graph convolution tell "towards the trunk" from "towards the
hands" although the graph has no direction.

Choice of centre. ST-GCN's OpenPose layout uses the neck joint. COCO-17 has no neck; the neck is
the midpoint of the shoulders, so here the centre is the *pair* of shoulders: a joint's distance to
the centre is its hop distance to the nearer shoulder. This keeps the partition left/right
symmetric (picking one shoulder would not) and gives the same subsets as ST-GCN's neck for every
limb joint. The two shoulders (and the two hips) are equally far from the centre, so the
shoulder-shoulder and hip-hip bones fall into the centrifugal subset, as ST-GCN's "otherwise" rule
puts equal-distance neighbours there.

Convention: ``A[k, j, i]`` is the weight with which joint ``i`` gathers joint ``j`` in subset
``k``, i.e. ``out[..., i] = sum_j x[..., j] * A[k, j, i]`` (ST-GCN's ``einsum('nkctv,kvw->nctw')``).
Each column is divided by the size of joint ``i``'s closed neighbourhood (degree + 1), so a joint
*averages* its neighbours and ``A.sum(axis=(0, 1))`` is 1 for every joint.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import shortest_path

from videosync.poses.layouts import COCO17_EDGES, NUM_JOINTS

#: Joints whose nearest one defines a joint's distance to the body centre (both shoulders).
DEFAULT_CENTER: tuple[int, ...] = (5, 6)

#: Order of the three subsets along the first axis of :func:`spatial_adjacency`.
SUBSETS: tuple[str, ...] = ("self", "centripetal", "centrifugal")


def hop_distance(
    num_nodes: int = NUM_JOINTS, edges: tuple[tuple[int, int], ...] = COCO17_EDGES
) -> np.ndarray:
    """``(V, V)`` number of bones between every pair of joints (``inf`` if not connected)."""
    adj = np.zeros((num_nodes, num_nodes))
    for i, j in edges:
        adj[i, j] = adj[j, i] = 1
    return shortest_path(adj, method="D", directed=False, unweighted=True)


def spatial_adjacency(
    num_nodes: int = NUM_JOINTS,
    edges: tuple[tuple[int, int], ...] = COCO17_EDGES,
    center: tuple[int, ...] = DEFAULT_CENTER,
) -> np.ndarray:
    """``(3, V, V)`` float32 normalised adjacency of the subsets in :data:`SUBSETS`.

    A neighbour ``j`` of root ``i`` is centripetal when it is strictly closer to ``center`` than
    ``i`` and centrifugal otherwise (farther or equally far), as in ST-GCN.
    """
    hops = hop_distance(num_nodes, edges)
    if not np.all(np.isfinite(hops)):
        raise ValueError("the skeleton graph is not connected")
    to_center = hops[:, list(center)].min(axis=1)
    closed = (hops <= 1).astype(np.float64)  # neighbours and self loops
    norm = closed / closed.sum(axis=0, keepdims=True)  # column i averages i's neighbourhood
    a = np.zeros((3, num_nodes, num_nodes))
    for j in range(num_nodes):
        for i in range(num_nodes):
            if hops[j, i] == 0:
                a[0, j, i] = norm[j, i]
            elif hops[j, i] == 1:
                k = 1 if to_center[j] < to_center[i] else 2
                a[k, j, i] = norm[j, i]
    return a.astype(np.float32)


def distance_to_center(center: tuple[int, ...] = DEFAULT_CENTER) -> np.ndarray:
    """``(V,)`` hop distance of every COCO-17 joint to the nearest centre joint (for docs/tests)."""
    return hop_distance()[:, list(center)].min(axis=1)
