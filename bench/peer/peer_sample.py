"""What the peer scripts share: their arguments and the measurement ForwardSample makes of ours.

The peak is VmHWM minus the resident set before the first forward (reset through /proc/self/clear_refs); the times
are the forwards after the warm-up, under no_grad. Prints one "SAMPLE {json}" line in ForwardResult's shape.
"""
import argparse
import json
import time


def arguments(checkout_option, default_side):
    parser = argparse.ArgumentParser()
    parser.add_argument(checkout_option, required=True)
    parser.add_argument("--side", type=int, default=default_side)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=0, help="intra-op threads (0: torch's default)")
    args = parser.parse_args()
    if args.threads > 0:
        import torch
        torch.set_num_threads(args.threads)
    return args


def status_bytes(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def measure_and_print(variant, args, forward):
    import torch
    before = status_bytes("VmRSS:")
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")
    seconds, peak, first = [], 0, 0.0
    warmup = max(1, args.warmup)
    with torch.no_grad():
        for run in range(warmup + args.repeats):
            start = time.perf_counter()
            forward()
            elapsed = time.perf_counter() - start
            if run == 0:
                first, peak = elapsed, status_bytes("VmHWM:") - before
            if run >= warmup:
                seconds.append(elapsed)
    retained = status_bytes("VmRSS:") - before
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    print("SAMPLE " + json.dumps({
        "Variant": f"{variant} (torch {torch.__version__})", "Side": args.side, "GigaMacs": 0.0,
        "Seconds": seconds, "PeakMiB": peak / 2**20, "EstimateMiB": 0.0, "RetainedMiB": retained / 2**20,
        "Threads": torch.get_num_threads(), "Load": load, "FirstSeconds": first}))
