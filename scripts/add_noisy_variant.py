"""Give a SeSyn-Net checkpoint a variant for noisy keypoints, as the shipped model has.

The variant is the weight average (:func:`videosync.model.blend.blend_weights`) of the base
model and a fine-tune of it made for heavy keypoint jitter (``videosync train --init BASE
--jitter-augment ...``); ``align`` and ``eval`` use it for a pair with a view whose keypoints
jitter by more than ``--above-relative-jitter`` of the person's size and ``--above-image-jitter``
of the image (``SesynMethod``, ``poses.stats.relative_jitter``, ``poses.stats.image_jitter``). The
commands that made the shipped one are in ``models/MODEL_CARD.md``:

    python scripts/add_noisy_variant.py --base BASE.pt --tuned runs/jitter/best.pt \\
        --weight 0.5 --above-relative-jitter 0.015 --above-image-jitter 0.005 \\
        --out sesyn-with-variant.pt

The output is written atomically; it must not be one of the inputs (they are never modified).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main(argv: list[str] | None = None) -> int:
    from videosync.errors import ModelError
    from videosync.model import load_checkpoint, save_checkpoint
    from videosync.model.blend import blend_weights
    from videosync.sync.methods.sesyn import NOISY_VARIANT

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True, help="the model used for precise keypoints")
    ap.add_argument("--tuned", type=Path, required=True, help="its fine-tune for noisy keypoints")
    ap.add_argument("--weight", type=float, default=0.5, help="share of the fine-tune in the average")
    ap.add_argument("--above-relative-jitter", type=float, required=True,
                    help="a view is noisy above this keypoint jitter (share of the person's size) ...")
    ap.add_argument("--above-image-jitter", type=float, required=True,
                    help="... and above this one (share of the image size)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    if args.out.resolve() in (args.base.resolve(), args.tuned.resolve()):
        print(f"error: {args.out}: the output must not be an input", file=sys.stderr)
        return 2
    if not (args.above_relative_jitter > 0 and args.above_image_jitter > 0):
        print("error: the jitter thresholds must be positive", file=sys.stderr)
        return 2
    try:
        base, meta = load_checkpoint(args.base, "cpu")
        tuned, tuned_meta = load_checkpoint(args.tuned, "cpu")
        variant = blend_weights(base, tuned, args.weight)
    except (ModelError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    meta.pop("variants", None)  # the base's own variants are replaced
    tuned_meta.pop("variants", None)
    settings = {"above_relative_jitter": args.above_relative_jitter, "above_image_jitter": args.above_image_jitter,
                "blend_weight": args.weight, "tuned": tuned_meta}
    save_checkpoint(args.out, base, meta=meta, variants={NOISY_VARIANT: (variant, settings)})
    print(f"wrote {args.out}: variant {NOISY_VARIANT!r} = {1 - args.weight:g} x base + {args.weight:g} x tuned, "
          f"used for views whose keypoints jitter by more than {args.above_relative_jitter:.2%} of the person's "
          f"size and {args.above_image_jitter:.2%} of the image")
    return 0


if __name__ == "__main__":
    sys.exit(main())
