"""The denominators of the bounds, measured with PyTorch on the GPU machine, printed as JSON:
device-to-device copy bandwidth (bytes read + written per second, 1 GiB buffers) and the bf16 matrix
product rate (FLOP/s, 8192 x 8192 x 8192 on random data). Each is the median of 5 groups of timed runs
after warm-ups, timed with CUDA events."""
import json
import statistics

import torch


def timed(fn, reps, groups=5, warmups=3):
    for _ in range(warmups):
        fn()
    torch.cuda.synchronize()
    seconds = []
    for _ in range(groups):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(reps):
            fn()
        end.record()
        end.synchronize()
        seconds.append(start.elapsed_time(end) / 1000 / reps)
    return statistics.median(seconds)


def main():
    device = torch.device("cuda")
    copy_bytes = 1 << 30
    src = torch.empty(copy_bytes, dtype=torch.uint8, device=device).fill_(1)
    dst = torch.empty_like(src)
    copy_seconds = timed(lambda: dst.copy_(src), reps=20)
    del src, dst

    n = 8192
    a = torch.randn(n, n, dtype=torch.bfloat16, device=device)
    b = torch.randn(n, n, dtype=torch.bfloat16, device=device)
    matmul_seconds = timed(lambda: torch.matmul(a, b), reps=10)

    print(json.dumps({
        "device_name": torch.cuda.get_device_name(device),
        "torch": torch.__version__,
        "copy_buffer_bytes": copy_bytes,
        "copy_seconds": copy_seconds,
        "copy_bytes_per_second": 2 * copy_bytes / copy_seconds,
        "matmul_n": n,
        "matmul_seconds": matmul_seconds,
        "bf16_matmul_flops_per_second": 2 * n ** 3 / matmul_seconds,
    }, indent=2))


if __name__ == "__main__":
    main()
