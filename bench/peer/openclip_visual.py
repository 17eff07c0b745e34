"""Times open_clip's ViT-B/16 visual tower the way ForwardSample times OpenClipViTB16.

Usage: python3 openclip_visual.py --open-clip DIR --side 896 [--repeats 3] [--warmup 1] [--threads N]
DIR is a checkout of mlfoundations/open_clip: v3.0.0 runs on Debian 12's torch 1.13, later versions call
scaled_dot_product_attention, which torch 1.13 does not have. The tower is built as the ViT-B-16 config with
OpenAI's QuickGELU, sized for the measured side, with random weights; batch 1, float32. Timed: the patch embedding
and the transformer, then the token grid resized to 4x, 2x, 1x and 0.5x as OpenClipViTB16's forward returns it
(peer_sample.py).
"""
import importlib
import importlib.util
import os
import sys
import types

from peer_sample import arguments, measure_and_print


def load_vision_transformer(root):
    """open_clip's VisionTransformer without the package's __init__, which needs the tokenizer's and torchvision's
    dependencies; of torchvision only FrozenBatchNorm2d is named (by a helper the tower does not call)."""
    package = types.ModuleType("open_clip")
    package.__path__ = [os.path.join(root, "src", "open_clip")]
    sys.modules["open_clip"] = package
    if importlib.util.find_spec("torchvision") is None:
        misc = types.ModuleType("torchvision.ops.misc")
        misc.FrozenBatchNorm2d = None
        for name, module in (("torchvision", types.ModuleType("torchvision")), ("torchvision.ops", types.ModuleType("torchvision.ops")), ("torchvision.ops.misc", misc)):
            sys.modules[name] = module
    transformer = importlib.import_module("open_clip.transformer")
    return transformer.VisionTransformer, transformer.QuickGELU


def main():
    args = arguments("--open-clip", 896)
    import torch
    import torch.nn.functional as F
    VisionTransformer, QuickGELU = load_vision_transformer(args.open_clip)

    torch.manual_seed(0)
    tower = VisionTransformer(
        image_size=args.side, patch_size=16, width=768, layers=12, heads=12, mlp_ratio=4.0, output_dim=512,
        act_layer=QuickGELU).eval()
    images = torch.randn(1, 3, args.side, args.side)

    def forward():
        tokens = tower.transformer(tower._embeds(images))
        grid_side = args.side // 16
        grid = tokens[:, 1:].permute(0, 2, 1).reshape(1, 768, grid_side, grid_side)
        return [F.interpolate(grid, scale_factor=scale, mode="bilinear", align_corners=False) for scale in (4.0, 2.0, 1.0, 0.5)]

    measure_and_print("upstream ViT-B-16 visual", args, forward)


if __name__ == "__main__":
    main()
