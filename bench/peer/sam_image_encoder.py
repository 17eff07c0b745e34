"""Times segment-anything's ViT-B image encoder the way ForwardSample times ours.

Usage: python3 sam_image_encoder.py --segment-anything DIR --side 1024 [--repeats 3] [--warmup 1] [--threads N]
DIR is a checkout of facebookresearch/segment-anything. Random weights, batch 1, float32 (peer_sample.py).
"""
import importlib
import os
import sys
import types
from functools import partial

from peer_sample import arguments, measure_and_print


def load_image_encoder(root):
    """ImageEncoderViT without running the packages' __init__ files, which import torchvision for the mask generator."""
    for name, folder in (("segment_anything", "segment_anything"), ("segment_anything.modeling", "segment_anything/modeling")):
        package = types.ModuleType(name)
        package.__path__ = [os.path.join(root, folder)]
        sys.modules[name] = package
    return importlib.import_module("segment_anything.modeling.image_encoder").ImageEncoderViT


def main():
    args = arguments("--segment-anything", 1024)
    import torch
    ImageEncoderViT = load_image_encoder(args.segment_anything)

    torch.manual_seed(0)
    # vit_b as segment_anything.build_sam builds it, with the position embedding sized for the measured side.
    encoder = ImageEncoderViT(
        depth=12, embed_dim=768, img_size=args.side, mlp_ratio=4,
        norm_layer=partial(torch.nn.LayerNorm, eps=1e-6), num_heads=12, patch_size=16, qkv_bias=True,
        use_rel_pos=True, global_attn_indexes=[2, 5, 8, 11], window_size=14, out_chans=256).eval()
    images = torch.randn(1, 3, args.side, args.side)
    measure_and_print("upstream vit_b", args, lambda: encoder(images))


if __name__ == "__main__":
    main()
