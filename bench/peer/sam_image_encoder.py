"""Times segment-anything's ViT-B image encoder the way ForwardSample times ours.

Usage: python3 sam_image_encoder.py --segment-anything DIR --side 1024 [--repeats 3] [--warmup 1] [--threads N]
DIR is a checkout of facebookresearch/segment-anything. Random weights, batch 1, float32, no grad; the peak
is VmHWM minus the resident set before the first forward. Prints one "SAMPLE {json}" line.
"""
import argparse
import importlib
import json
import os
import sys
import time
import types
from functools import partial


def status_bytes(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def load_image_encoder(root):
    """ImageEncoderViT without running the packages' __init__ files, which import torchvision for the mask generator."""
    for name, folder in (("segment_anything", "segment_anything"), ("segment_anything.modeling", "segment_anything/modeling")):
        package = types.ModuleType(name)
        package.__path__ = [os.path.join(root, folder)]
        sys.modules[name] = package
    return importlib.import_module("segment_anything.modeling.image_encoder").ImageEncoderViT


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--segment-anything", required=True)
    parser.add_argument("--side", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=0, help="intra-op threads (0: torch's default)")
    args = parser.parse_args()
    import torch
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    ImageEncoderViT = load_image_encoder(args.segment_anything)

    torch.manual_seed(0)
    # vit_b as segment_anything.build_sam builds it, with the position embedding sized for the measured side.
    encoder = ImageEncoderViT(
        depth=12, embed_dim=768, img_size=args.side, mlp_ratio=4,
        norm_layer=partial(torch.nn.LayerNorm, eps=1e-6), num_heads=12, patch_size=16, qkv_bias=True,
        use_rel_pos=True, global_attn_indexes=[2, 5, 8, 11], window_size=14, out_chans=256).eval()
    images = torch.randn(1, 3, args.side, args.side)
    before = status_bytes("VmRSS:")
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")
    seconds, peak, first = [], 0, 0.0
    warmup = max(1, args.warmup)
    with torch.no_grad():
        for run in range(warmup + args.repeats):
            start = time.perf_counter()
            encoder(images)
            elapsed = time.perf_counter() - start
            if run == 0:
                first, peak = elapsed, status_bytes("VmHWM:") - before
            if run >= warmup:
                seconds.append(elapsed)
    retained = status_bytes("VmRSS:") - before
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    print("SAMPLE " + json.dumps({
        "Variant": f"upstream vit_b (torch {torch.__version__})", "Side": args.side, "GigaMacs": 0.0,
        "Seconds": seconds, "PeakMiB": peak / 2**20, "EstimateMiB": 0.0, "RetainedMiB": retained / 2**20, "Threads": torch.get_num_threads(), "Load": load,
        "FirstSeconds": first}))


if __name__ == "__main__":
    main()
