#!/usr/bin/env python3
"""Goldens for @cria/core's llama.cpp block formats (packages/core/src/quant), made by llama.cpp itself.

llama.cpp's own ggml (libggml-base.so, the prebuilt binary that the npm package node-llama-cpp 3.21.1 ships for
linux-x64) is loaded with ctypes and asked, for each format Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q4_K Q5_K Q6_K:
  - ggml_quantize_chunk(type, src, dst, 0, nrows, n_per_row, imatrix=NULL): the bytes llama-quantize writes when no
    importance matrix is given (it runs quantize_row_<type>_ref; the script checks the bytes equal a direct call of
    quantize_row_<type>_ref, row by row);
  - dequantize_row_<type>(blocks, out, k): llama.cpp's dequantized floats of those bytes;
  - dequantize_row_<type> of random block bytes (every bit pattern of scales and quants, finite float16 d/dmin);
  - both on a bulk case of 262144 values that the TypeScript test makes by the same procedure (bulk_values): only the
    sha256 of llama.cpp's bytes and floats are stored.
gguf-py's numpy (de)quantizers (gguf 0.19) are run on the same data as a second reference; how far they agree is
recorded in the manifest (they are not the golden).

Inputs are seeded (numpy PCG64) float32 rows: all zeros, constants, tiny (~1e-8), large (±1e4), one outlier, normal
data, per-group mixed scales, all positive / all negative, values on rounding boundaries, sparse. Row lengths 32, 96,
256, 512 for the 32-element formats and 256, 512 for the K formats; rows of 96 and 512 mix kinds per block.

Writes into --out (default packages/core/src/quant/golden/, beside the tests that read it, as the project keeps the
reference data it makes itself; the repository's fixtures/ is a checksummed copy of the team's data, not for this):
  inputs.bin       the input matrices, float32 little-endian, one after another
  <TYPE>.bin       per format: each case's quantized bytes, then its dequantized float32 values
  manifest.json    shapes, kinds, offsets, lengths and sha256 of every array; the bulk hashes; the llama.cpp build;
                   the cross-checks
(README.md there describes them.) Non-finite inputs are left out: NaN bit patterns are the hardware's.

Run: /path/to/python make_quant_goldens.py [--lib libggml-base.so] [--out DIR]   (numpy 2.x, gguf 0.19.0)
"""
from __future__ import annotations

import argparse
import ctypes
import hashlib
import importlib.metadata
import json
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
NLC = ROOT / 'node_modules/.pnpm/@node-llama-cpp+linux-x64@3.21.1/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64'
DEFAULT_LIB = NLC / 'libggml-base.so'
DEFAULT_OUT = ROOT / 'packages/core/src/quant/golden'
SEED = 20240611
# The bulk case: BULK_ELEMENTS values made by bulk_values(BULK_SEED) on both sides; only hashes are stored.
BULK_SEED = 0x9E3779B9
BULK_ELEMENTS = 1 << 18
BULK_CHUNK = 1 << 14

# ggml_type ids and block geometry (ggml.h / ggml-common.h); checked against the library below.
TYPES = {
    'Q4_0': (2, 32, 18), 'Q4_1': (3, 32, 20), 'Q5_0': (6, 32, 22), 'Q5_1': (7, 32, 24), 'Q8_0': (8, 32, 34),
    'Q4_K': (12, 256, 144), 'Q5_K': (13, 256, 176), 'Q6_K': (14, 256, 210),
}
# Byte offsets of the float16 scale fields in one block (random-bytes case: these get finite values).
HALF_FIELDS = {
    'Q4_0': [0], 'Q4_1': [0, 2], 'Q5_0': [0], 'Q5_1': [0, 2], 'Q8_0': [0],
    'Q4_K': [0, 2], 'Q5_K': [0, 2], 'Q6_K': [208],
}

KINDS = ['zeros', 'const_pos', 'const_neg', 'tiny', 'large', 'outlier', 'normal', 'weights', 'mixed_scales',
         'positive', 'negative', 'grid', 'sparse']


def segment(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """n float32 values of one kind."""
    if kind == 'zeros':
        x = np.zeros(n)
    elif kind == 'const_pos':
        x = np.full(n, 0.75)
    elif kind == 'const_neg':
        x = np.full(n, -2.5)
    elif kind == 'tiny':
        x = rng.standard_normal(n) * 1e-8
    elif kind == 'large':
        x = rng.uniform(-1e4, 1e4, n)
    elif kind == 'outlier':
        x = rng.standard_normal(n) * 0.02
        x[rng.integers(n)] = 8.0 if rng.random() < 0.5 else -8.0
    elif kind == 'normal':
        x = rng.standard_normal(n)
    elif kind == 'weights':
        x = rng.standard_normal(n) * 0.05
    elif kind == 'mixed_scales':  # every 16 values on their own scale, 1e-4 .. 1e2
        scales = 10.0 ** rng.uniform(-4, 2, (n + 15) // 16)
        x = rng.standard_normal(n) * np.repeat(scales, 16)[:n]
    elif kind == 'positive':
        x = rng.uniform(0.1, 1.0, n)
    elif kind == 'negative':
        x = rng.uniform(-3.0, -0.5, n)
    elif kind == 'grid':  # quarter steps -4 .. 4 (ties for the rounding of several formats) with both ends present
        x = rng.integers(-16, 17, n) * 0.25
        x[0], x[n // 2] = 4.0, -4.0
    elif kind == 'sparse':  # mostly zeros: whole groups of 16/32 are zero inside a block
        x = np.zeros(n)
        idx = rng.choice(n, max(1, n // 16), replace=False)
        x[idx] = rng.standard_normal(idx.size)
    else:
        raise ValueError(kind)
    return x.astype(np.float32)


def matrix(n: int, block: int, rng: np.random.Generator) -> tuple[np.ndarray, list[list[str]]]:
    """Rows of length n. n <= 256: one kind per row, a row per kind; longer rows and 96: kinds change per block."""
    rows, kinds = [], []
    if n in (32, 256):
        for kind in KINDS:
            rows.append(segment(kind, n, rng))
            kinds.append([kind])
    else:
        per = 32 if n == 96 else 256
        parts = n // per
        count = len(KINDS) if n == 96 else 7
        for r in range(count):
            ks = [KINDS[(r * parts + p) % len(KINDS)] for p in range(parts)]
            rows.append(np.concatenate([segment(k, per, rng) for k in ks]))
            kinds.append(ks)
    return np.stack(rows).astype(np.float32), kinds


def sha256(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


class Ggml:
    def __init__(self, path: Path):
        self.lib = lib = ctypes.CDLL(str(path))
        lib.ggml_quantize_chunk.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64,
                                            ctypes.c_int64, ctypes.c_void_p]
        lib.ggml_quantize_chunk.restype = ctypes.c_size_t
        lib.ggml_row_size.argtypes = [ctypes.c_int, ctypes.c_int64]
        lib.ggml_row_size.restype = ctypes.c_size_t
        lib.ggml_blck_size.argtypes = [ctypes.c_int]
        lib.ggml_blck_size.restype = ctypes.c_int64
        lib.ggml_type_size.argtypes = [ctypes.c_int]
        lib.ggml_type_size.restype = ctypes.c_size_t
        lib.ggml_fp32_to_fp16_row.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
        lib.ggml_fp32_to_fp16_row.restype = None

    def fn(self, name: str):
        f = getattr(self.lib, name)
        f.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
        f.restype = None
        return f

    def quantize_chunk(self, name: str, x: np.ndarray) -> bytes:
        tid, _, _ = TYPES[name]
        nrows, n = x.shape
        x = np.ascontiguousarray(x, dtype='<f4')
        size = self.lib.ggml_row_size(tid, n) * nrows
        dst = ctypes.create_string_buffer(size)
        written = self.lib.ggml_quantize_chunk(tid, x.ctypes.data, dst, 0, nrows, n, None)
        assert written == size, (name, written, size)
        # The same bytes from the reference quantizer called directly, row by row.
        ref = self.fn(f'quantize_row_{name.lower()}_ref' if not name.endswith('_K') else f'quantize_row_{name[:2].lower()}_K_ref')
        row = self.lib.ggml_row_size(tid, n)
        for r in range(nrows):
            one = ctypes.create_string_buffer(row)
            ref(x[r].ctypes.data, one, n)
            assert one.raw == dst.raw[r * row:(r + 1) * row], f'{name}: ggml_quantize_chunk row {r} differs from quantize_row_ref'
        return dst.raw

    def dequantize(self, name: str, blocks: bytes, k: int) -> np.ndarray:
        f = self.fn(f'dequantize_row_{name.lower()}' if not name.endswith('_K') else f'dequantize_row_{name[:2].lower()}_K')
        out = np.empty(k, dtype='<f4')
        src = ctypes.create_string_buffer(blocks, len(blocks))
        f(src, out.ctypes.data, k)
        return out

    def fp32_to_fp16(self, x: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(x, dtype='<f4')
        out = np.empty(x.size, dtype='<u2')
        self.lib.ggml_fp32_to_fp16_row(x.ctypes.data, out.ctypes.data, x.size)
        return out


def random_blocks(name: str, count: int, rng: np.random.Generator) -> bytes:
    """Random block bytes with finite float16 scales: normal, subnormal, zero and negative ones."""
    _, _, size = TYPES[name]
    raw = rng.integers(0, 256, (count, size), dtype=np.uint8)
    for off in HALF_FIELDS[name]:
        choice = rng.integers(0, 8, count)
        vals = np.where(choice == 0, 0.0,
               np.where(choice == 1, rng.uniform(-6e-5, 6e-5, count),          # subnormal halves
               np.where(choice == 2, rng.uniform(-6e4, 6e4, count),            # near the top of the range
               rng.standard_normal(count) * 10.0 ** rng.uniform(-4, 1, count))))
        raw[:, off:off + 2] = vals.astype(np.float16).view(np.uint8).reshape(count, 2)
    return raw.tobytes()


MASK = 0xFFFFFFFF


def imul(a: int, b: int) -> int:
    return (a * b) & MASK


class Mulberry32:
    """mulberry32, as bulkValues in packages/core/src/quant/golden.test.ts (and @cria/core/testing SeededRandom) compute it."""

    def __init__(self, seed: int):
        self.state = seed & MASK

    def u32(self) -> int:
        self.state = (self.state + 0x6D2B79F5) & MASK
        t = self.state
        t = imul(t ^ (t >> 15), t | 1)
        t = (t ^ ((t + imul(t ^ (t >> 7), t | 61)) & MASK)) & MASK
        return (t ^ (t >> 14)) & MASK


def bulk_values(seed: int, n: int) -> np.ndarray:
    """n float32 values, every one an integer times a power of two (exact in float32, so TypeScript makes the same
    ones without floating-point arithmetic): per 32 values one of eight shapes (grid, bell, positive, negative, sparse,
    outlier: small integers, many values on rounding ties; and two of random 24-bit mantissas: log-uniform over 8
    octaves, and geometric octaves as a bell curve has), magnitudes 2^-40 .. 2^15. golden.test.ts bulkValues is the same
    procedure."""
    rng = Mulberry32(seed)
    out = np.empty(n, dtype=np.float64)
    for b in range(0, n, 32):
        mode = rng.u32() % 8
        top = rng.u32() % 55 - 40   # largest magnitude about 2^top
        k = 1 + rng.u32() % 23      # bits of the integers
        outlier = rng.u32() % 32
        span = 1 << k
        for j in range(32):
            if mode == 0:      # grid: integers in [-2^k, 2^k]
                m = rng.u32() % (2 * span + 1) - span
            elif mode == 1:    # bell: sum of four uniform integers in [-2^(k-1), 2^(k-1))
                m = sum(rng.u32() % span - span // 2 for _ in range(4))
            elif mode == 2:    # positive
                m = rng.u32() % span + 1
            elif mode == 3:    # negative or zero
                m = -(rng.u32() % span)
            elif mode == 4:    # sparse: one in eight non-zero
                r = rng.u32()
                m = (rng.u32() % (2 * span + 1) - span) if r % 8 == 0 else 0
            elif mode == 5:    # small values and one outlier of 2^k
                m = rng.u32() % (span // 16 * 2 + 1) - span // 16
                if j == outlier:
                    m = span if rng.u32() % 2 else -span
            else:              # a random 24-bit significand in an octave below 2^top (up to 8, or geometric)
                r = rng.u32()
                if mode == 6:
                    octave = rng.u32() % 8
                else:
                    g = rng.u32()
                    octave = 0
                    while octave < 20 and g & (1 << octave):
                        octave += 1
                sig = (1 << 23) | (r & 0x7FFFFF)
                m = -sig if r & 0x80000000 else sig
                out[b + j] = m * 2.0 ** (top - octave - 24)
                continue
            out[b + j] = m * 2.0 ** (top - k)
    return out.astype(np.float32)


def chunk_hashes(b: bytes, size: int) -> list[str]:
    return [sha256(b[i:i + size])[:16] for i in range(0, len(b), size)]


def cross_check(name: str, x: np.ndarray | None, q: bytes, deq: np.ndarray) -> dict:
    """gguf-py's numpy quantizer/dequantizer against llama.cpp's bytes and floats (informational)."""
    import gguf
    from gguf import quants
    qt = getattr(gguf.GGMLQuantizationType, name)
    _, block, size = TYPES[name]
    report: dict = {}
    d = quants.dequantize(np.frombuffer(q, dtype=np.uint8).reshape(deq.shape[0], -1), qt).astype(np.float32).ravel()
    ref = deq.ravel()
    same = (d.view(np.uint32) == ref.view(np.uint32))
    report['dequantize_bit_identical'] = int(same.sum())
    report['dequantize_total'] = int(ref.size)
    report['dequantize_max_abs_diff'] = float(np.max(np.abs(d.astype(np.float64) - ref.astype(np.float64)))) if ref.size else 0.0
    if x is None:  # random block bytes: nothing to quantize
        return report
    try:
        qq = quants.quantize(x, qt).tobytes()
        nb = len(q) // size
        diff = sum(1 for b in range(nb) if qq[b * size:(b + 1) * size] != q[b * size:(b + 1) * size])
        report['quantize_blocks_identical'] = nb - diff
        report['quantize_blocks_total'] = nb
    except NotImplementedError:
        report['quantize'] = 'not implemented in gguf-py'
    return report


def check_fp16(g: Ggml) -> dict:
    """ggml's GGML_FP32_TO_FP16 against numpy's float16 (round to nearest even) on every exponent and the tie patterns."""
    exps = np.arange(90, 160, dtype=np.uint32)
    hi = np.arange(1024, dtype=np.uint32) << 13
    lo = np.array([0, 1, 0xFFF, 0x1000, 0x1001, 0x1FFF, 0x800, 0x17FF], dtype=np.uint32)
    bits = (exps[:, None, None] << 23 | hi[None, :, None] | lo[None, None, :]).ravel()
    bits = np.concatenate([bits, bits | 0x80000000, np.array([0, 0x80000000, 0x7F800000, 0xFF800000], dtype=np.uint32)])
    x = bits.view(np.float32)
    ours = g.fp32_to_fp16(x)
    with np.errstate(over="ignore"):
        ref = x.astype(np.float16).view(np.uint16)
    assert np.array_equal(ours, ref), 'ggml fp32->fp16 is not round-to-nearest-even'
    return {'values': int(x.size), 'equal_to_numpy_rne': True}


def compact_json(value) -> str:
    """json.dumps(indent=1) with every array of scalars on one line."""
    text = json.dumps(value, indent=1)
    return re.sub(r'\[\s*((?:[^\[\]{}"]|"[^"]*")*?)\s*\]',
                  lambda m: '[' + ', '.join(part.strip() for part in re.findall(r'"[^"]*"|[^,\s][^,]*', m.group(1))) + ']', text)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--lib', type=Path, default=DEFAULT_LIB)
    ap.add_argument('--out', type=Path, default=DEFAULT_OUT)
    args = ap.parse_args()
    g = Ggml(args.lib)
    for name, (tid, block, size) in TYPES.items():
        assert g.lib.ggml_blck_size(tid) == block and g.lib.ggml_type_size(tid) == size, name
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)

    # Inputs: one matrix per row length, shared by the formats whose block divides it.
    inputs, input_meta = bytearray(), []
    mats = {}
    for n in (32, 96, 256, 512):
        x, kinds = matrix(n, 32, rng)
        mats[n] = x
        b = x.astype('<f4').tobytes()
        input_meta.append({'name': f'n{n}', 'rows': x.shape[0], 'cols': n, 'kinds': kinds, 'file': 'inputs.bin',
                           'offset': len(inputs), 'bytes': len(b), 'sha256': sha256(b)})
        inputs += b
    (out / 'inputs.bin').write_bytes(bytes(inputs))

    bulk = bulk_values(BULK_SEED, BULK_ELEMENTS)
    bulk_hash = sha256(bulk.astype('<f4').tobytes())

    formats = {}
    for name, (tid, block, size) in TYPES.items():
        blob = bytearray()

        def put(b: bytes) -> dict:
            while len(blob) % 16:
                blob.append(0)
            entry = {'offset': len(blob), 'bytes': len(b), 'sha256': sha256(b)}
            blob.extend(b)
            return entry

        cases, checks = [], {}
        for n, x in mats.items():
            if n % block:
                continue
            q = g.quantize_chunk(name, x)
            deq = g.dequantize(name, q, x.size)
            cases.append({'input': f'n{n}', 'rows': x.shape[0], 'cols': n, 'quantized': put(q),
                          'dequantized': put(deq.astype('<f4').tobytes())})
            checks[f'n{n}'] = cross_check(name, x, q, deq.reshape(x.shape))
        count = 1024 // block
        rb = random_blocks(name, count, rng)
        rdeq = g.dequantize(name, rb, count * block)
        random_case = {'rows': 1, 'cols': count * block, 'blocks': put(rb), 'dequantized': put(rdeq.astype('<f4').tobytes())}
        checks['random'] = cross_check(name, None, rb, rdeq.reshape(1, -1))
        q = g.quantize_chunk(name, bulk.reshape(1, -1))
        deq = g.dequantize(name, q, bulk.size).astype('<f4').tobytes()
        chunk = BULK_CHUNK // block * size
        bulk_case = {'quantized_sha256': sha256(q), 'dequantized_sha256': sha256(deq),
                     'quantized_chunks': chunk_hashes(q, chunk), 'dequantized_chunks': chunk_hashes(deq, BULK_CHUNK * 4)}
        (out / f'{name}.bin').write_bytes(bytes(blob))
        formats[name] = {'ggml_type': tid, 'block_elements': block, 'block_bytes': size, 'file': f'{name}.bin',
                         'sha256': sha256(bytes(blob)), 'cases': cases, 'random_blocks': random_case, 'bulk': bulk_case, 'gguf_py_agreement': checks}

    meta_path = NLC / '_nlcBuildMetadata.json'
    build = json.loads(meta_path.read_text()) if meta_path.exists() else None
    manifest = {
        'what': "llama.cpp's reference quantizers (ggml_quantize_chunk, no imatrix) and dequantizers on seeded inputs",
        'generator': 'scripts/goldens/quant/make_quant_goldens.py',
        'llama_cpp': {
            'from': 'npm node-llama-cpp 3.21.1, prebuilt @node-llama-cpp/linux-x64 3.21.1 bins/linux-x64/libggml-base.so',
            'build_metadata': build,
            'library_sha256': sha256(args.lib.read_bytes()),
        },
        'python': sys.version.split()[0],
        'numpy': np.__version__,
        'gguf': importlib.metadata.version('gguf'),
        'seed': SEED,
        'fp32_to_fp16': check_fp16(g),
        'inputs': {'file': 'inputs.bin', 'sha256': sha256(bytes(inputs)), 'matrices': input_meta},
        'bulk': {'seed': BULK_SEED, 'elements': BULK_ELEMENTS, 'chunk_elements': BULK_CHUNK, 'values_sha256': bulk_hash,
                 'what': 'one row of bulk_values(seed, elements); per format the sha256 of the quantized bytes and dequantized floats, and the first 16 hex digits of each chunk of chunk_elements'},
        'formats': formats,
        'layout': 'little-endian; float32 arrays row-major [rows][cols]; quantized rows are ggml_row_size bytes each',
    }
    (out / 'manifest.json').write_text(compact_json(manifest) + '\n')
    total = sum(p.stat().st_size for p in out.iterdir() if p.is_file())
    print(f'wrote {out} ({total} bytes)')
    for name, f in formats.items():
        print(name, json.dumps(f['gguf_py_agreement']))


if __name__ == '__main__':
    main()
