#!/usr/bin/env python3
"""Goldens for @cria/convert's GGUF writer, written with the real `gguf` Python package (gguf-py 0.19).

The conversion follows llama.cpp's convert_hf_to_gguf.py for LlamaForCausalLM (TextModel + LlamaModel),
transcribed below step for step on top of gguf-py's own GGUFWriter, SpecialVocab and quants, sentencepiece
and transformers' AutoConfig/AutoTokenizer (what the script itself uses):
  - hparams from AutoConfig.to_dict(); tensors part by part (sorted file names), names sorted in a part;
  - rope_freqs first (llama3 RoPE), q/k rows permuted (LlamaModel.permute), HF names mapped to GGUF names,
    1-D tensors and *_norm weights F32, the rest in the output type (numpy/gguf rounding);
  - general.type, general.name, general.size_label (the script derives the name from model-card heuristics;
    here it is given), the llama.* parameters in TextModel/LlamaModel order, general.quantization_version;
  - the vocabulary: SentencePiece ("llama") from tokenizer.model, else byte-level BPE ("gpt2") from tokenizer.json,
    then gguf.SpecialVocab (merges, special ids, add_*_token, chat template).
One deliberate difference: llama3 rope_freqs take original_max_position_embeddings from the RoPE parameters
(as transformers does) where the current script reads a top-level hparam that transformers 5 no longer has
(it then falls back to 8192). For Llama 3.1/3.2 both are 8192.

Writes, beside this script:
  golden/all-types.gguf                            every metadata value type and array type, alignment 64, F32/F16/BF16
  golden/tiny-spm/{config.json,model.safetensors}  a synthetic tiny Llama 2 style checkpoint (inputs)
  golden/tiny-spm.bf16.gguf                        its GGUF (tokenizer: fixtures/tokenizers/tok512)
  golden/hashes.json                               sha256 and size of the GGUF of every case below

Run: python3 make-goldens.py   (pip install gguf==0.19.0 torch transformers safetensors sentencepiece tokenizers;
made with gguf 0.19.0, torch 2.13.0+cpu, transformers 5.18.0, numpy 2.4.6)
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import save_file

import gguf

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
ROOT = HERE.parents[3]
FIXTURES = Path(os.environ.get("CRIA_FIXTURES", ROOT / "fixtures"))

FTYPES = {
    "float32": gguf.LlamaFileType.ALL_F32,
    "float16": gguf.LlamaFileType.MOSTLY_F16,
    "bfloat16": gguf.LlamaFileType.MOSTLY_BF16,
}
QTYPES = {
    gguf.LlamaFileType.ALL_F32: gguf.GGMLQuantizationType.F32,
    gguf.LlamaFileType.MOSTLY_F16: gguf.GGMLQuantizationType.F16,
    gguf.LlamaFileType.MOSTLY_BF16: gguf.GGMLQuantizationType.BF16,
}

# HF module path -> GGUF name (gguf.TensorNameMap for MODEL_ARCH.LLAMA, the entries a Llama checkpoint has)
LAYER_NAMES = {
    "input_layernorm": "attn_norm",
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "post_attention_layernorm": "ffn_norm",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}


def map_name(name: str) -> str:
    for suffix in (".weight", ".bias"):
        if name.endswith(suffix):
            base = name[: -len(suffix)]
            break
    else:
        raise ValueError(f"Can not map tensor {name!r}")
    if base == "model.embed_tokens":
        return "token_embd" + suffix
    if base == "model.norm":
        return "output_norm" + suffix
    if base == "lm_head":
        return "output" + suffix
    parts = base.split(".")
    if parts[:2] == ["model", "layers"] and parts[2].isdecimal():
        module = ".".join(parts[3:])
        if module in LAYER_NAMES:
            return f"blk.{int(parts[2])}.{LAYER_NAMES[module]}{suffix}"
    raise ValueError(f"Can not map tensor {name!r}")


def permute(weights: torch.Tensor, n_head: int, n_head_kv: int | None) -> torch.Tensor:
    # LlamaModel.permute
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2)
            .reshape(weights.shape))


def part_names(model_dir: Path) -> list[str]:
    index = model_dir / "model.safetensors.index.json"
    if index.is_file():
        return sorted(set(json.loads(index.read_text())["weight_map"].values()))
    return sorted(f for f in os.listdir(model_dir) if f.startswith("model") and f.endswith(".safetensors"))


def get_tensors(model_dir: Path):
    for part in part_names(model_dir):
        with safe_open(model_dir / part, framework="pt") as f:
            for name in sorted(f.keys()):
                yield name, f.get_tensor(name)


def rope_params_of(hparams: dict) -> dict:
    rope = dict(hparams.get("rope_parameters", hparams.get("rope_scaling")) or {})
    if "rope_theta" not in rope and hparams.get("rope_theta") is not None:
        rope["rope_theta"] = hparams["rope_theta"]
    if "rope_type" not in rope and rope.get("type") is not None:
        rope["rope_type"] = rope["type"]
    return rope


def extra_tensors(hparams: dict):
    rope = rope_params_of(hparams)
    if rope.get("rope_type", "").lower() != "llama3":
        return
    base = rope.get("rope_theta", 10000.0)
    dim = hparams.get("head_dim") or hparams["hidden_size"] // hparams["num_attention_heads"]
    freqs = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.float32) / dim))
    factor = rope.get("factor", 8.0)
    low_freq_factor = rope.get("low_freq_factor", 1.0)
    high_freq_factor = rope.get("high_freq_factor", 4.0)
    old_context_len = rope.get("original_max_position_embeddings", hparams.get("original_max_position_embeddings", 8192))
    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor
    rope_factors = []
    for freq in freqs:
        wavelen = 2 * math.pi / freq
        if wavelen < high_freq_wavelen:
            rope_factors.append(1)
        elif wavelen > low_freq_wavelen:
            rope_factors.append(factor)
        else:
            smooth = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
            rope_factors.append(1 / ((1 - smooth) / factor + smooth))
    yield "rope_freqs.weight", torch.tensor(rope_factors, dtype=torch.float32)


def add_tensors(writer: gguf.GGUFWriter, model_dir: Path, hparams: dict, ftype) -> None:
    n_head = hparams["num_attention_heads"]
    n_kv_head = hparams.get("num_key_value_heads")
    tied = hparams.get("tie_word_embeddings", False)
    for name, data in [*extra_tensors(hparams), *get_tensors(model_dir)]:
        if name.endswith((".attention.masked_bias", ".attention.bias", ".rotary_emb.inv_freq")):
            continue
        if name == "lm_head.weight" and tied:
            continue  # cria: the tied output is token_embd (llama.cpp falls back to it)
        if data.dtype not in (torch.float16, torch.float32):
            data = data.to(torch.float32)
        if name.endswith(("q_proj.weight", "q_proj.bias")):
            data = permute(data, n_head, n_head)
        if name.endswith(("k_proj.weight", "k_proj.bias")):
            data = permute(data, n_head, n_kv_head)
        new_name = name if name == "rope_freqs.weight" else map_name(name)
        array = data.numpy()
        if array.ndim <= 1 or new_name.endswith("_norm.weight") or new_name[-7:] not in (".weight", ".lora_a", ".lora_b"):
            qtype = gguf.GGMLQuantizationType.F32
        else:
            qtype = QTYPES[ftype]
        writer.add_tensor(new_name, gguf.quants.quantize(array, qtype), raw_dtype=qtype)


def set_gguf_parameters(writer: gguf.GGUFWriter, hparams: dict, ftype) -> None:
    # TextModel.set_gguf_parameters, the branches a Llama config reaches
    writer.add_block_count(hparams["num_hidden_layers"])
    writer.add_context_length(hparams["max_position_embeddings"])
    writer.add_embedding_length(hparams["hidden_size"])
    writer.add_feed_forward_length(hparams["intermediate_size"])
    writer.add_head_count(hparams["num_attention_heads"])
    writer.add_head_count_kv(hparams["num_key_value_heads"])
    rope = rope_params_of(hparams)
    rope_type = rope.get("rope_type")
    factor = rope.get("factor")
    if rope_type == "linear" and factor is not None:
        writer.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        writer.add_rope_scaling_factor(factor)
    elif rope_type == "yarn" and factor is not None:
        writer.add_rope_scaling_type(gguf.RopeScalingType.YARN)
        writer.add_rope_scaling_factor(factor)
        writer.add_rope_scaling_orig_ctx_len(rope["original_max_position_embeddings"])
        if (v := rope.get("extrapolation_factor")) is not None:
            writer.add_rope_scaling_yarn_ext_factor(v)
        if (v := rope.get("attention_factor", rope.get("attn_factor"))) is not None:
            writer.add_rope_scaling_yarn_attn_factor(v)
        if (v := rope.get("beta_fast")) is not None:
            writer.add_rope_scaling_yarn_beta_fast(v)
        if (v := rope.get("beta_slow")) is not None:
            writer.add_rope_scaling_yarn_beta_slow(v)
    if rope.get("rope_theta") is not None:
        writer.add_rope_freq_base(rope["rope_theta"])
    writer.add_layer_norm_rms_eps(hparams["rms_norm_eps"])
    if hparams.get("head_dim") is not None:
        writer.add_key_length(hparams["head_dim"])
        writer.add_value_length(hparams["head_dim"])
    writer.add_file_type(ftype)
    # LlamaModel.set_gguf_parameters
    writer.add_vocab_size(hparams["vocab_size"])
    writer.add_rope_dimension_count(hparams.get("head_dim") or hparams["hidden_size"] // hparams["num_attention_heads"])


def does_token_look_special(token: str) -> bool:
    return (token in ("<pad>", "<mask>", "<2mass>", "[@BOS@]")
            or (token.startswith("<|") and token.endswith("|>"))
            or (token.startswith("<｜") and token.endswith("｜>"))
            or (token.startswith("<unused") and token.endswith(">")))


def vocab_sentencepiece(model_dir: Path, hparams: dict):
    # TextModel._create_vocab_sentencepiece
    from sentencepiece import SentencePieceProcessor
    T = gguf.TokenType
    sp = SentencePieceProcessor()
    sp.LoadFromFile(str(model_dir / "tokenizer.model"))
    vocab_size = hparams.get("vocab_size") or sp.vocab_size()
    tokens = [f"[PAD{i}]".encode() for i in range(vocab_size)]
    scores = [-10000.0] * vocab_size
    toktypes = [T.UNUSED] * vocab_size
    for i in range(min(sp.vocab_size(), vocab_size)):
        toktype = T.NORMAL
        if sp.IsUnknown(i):
            toktype = T.UNKNOWN
        elif sp.IsControl(i):
            toktype = T.CONTROL
        elif sp.IsUnused(i):
            toktype = T.UNUSED
        elif sp.IsByte(i):
            toktype = T.BYTE
        tokens[i], scores[i], toktypes[i] = sp.IdToPiece(i).encode(), sp.GetScore(i), toktype
    added = model_dir / "added_tokens.json"
    if added.is_file():
        for key, i in json.loads(added.read_text()).items():
            if i < vocab_size:
                tokens[i], scores[i], toktypes[i] = key.encode(), -1000.0, T.USER_DEFINED
    config = model_dir / "tokenizer_config.json"
    if config.is_file():
        for i, data in json.loads(config.read_text()).get("added_tokens_decoder", {}).items():
            i = int(i)
            if i >= vocab_size:
                continue
            token = data["content"]
            if data.get("special") or does_token_look_special(token):
                toktypes[i] = T.CONTROL
            else:
                token = token.replace("\u2581", " ")
                toktypes[i] = T.USER_DEFINED
            scores[i], tokens[i] = -1000.0, token.encode()
    return tokens, scores, toktypes


def vocab_bpe(model_dir: Path, hparams: dict):
    # TextModel.get_vocab_base
    from transformers import AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    vocab_size = hparams.get("vocab_size", len(tokenizer.vocab))
    reverse = {i: t for t, i in tokenizer.vocab.items()}
    added = tokenizer.get_added_vocab()
    decoder = tokenizer.added_tokens_decoder
    tokens, toktypes = [], []
    for i in range(vocab_size):
        if i not in reverse:
            tokens.append(f"[PAD{i}]")
            toktypes.append(gguf.TokenType.UNUSED)
            continue
        token = reverse[i]
        if token in added:
            if not decoder[i].normalized:
                token = tokenizer.decode(tokenizer.encode(token, add_special_tokens=False))
            if decoder[i].special or does_token_look_special(token):
                toktypes.append(gguf.TokenType.CONTROL)
            else:
                token = token.replace("\u2581", " ")
                toktypes.append(gguf.TokenType.USER_DEFINED)
        else:
            toktypes.append(gguf.TokenType.NORMAL)
        tokens.append(token)
    return tokens, toktypes


def set_vocab(writer: gguf.GGUFWriter, model_dir: Path, hparams: dict, tokpre: str | None) -> None:
    # LlamaModel.set_vocab
    config = model_dir / "tokenizer_config.json"
    if config.is_file():
        if (v := json.loads(config.read_text()).get("add_prefix_space")) is not None:
            writer.add_add_space_prefix(v)
    if (model_dir / "tokenizer.model").is_file():
        tokens, scores, toktypes = vocab_sentencepiece(model_dir, hparams)
        writer.add_tokenizer_model("llama")
        writer.add_tokenizer_pre("default")
        writer.add_token_list(tokens)
        writer.add_token_scores(scores)
        writer.add_token_types(toktypes)
        gguf.SpecialVocab(model_dir, n_vocab=len(tokens)).add_to_gguf(writer)
    else:
        tokens, toktypes = vocab_bpe(model_dir, hparams)
        writer.add_tokenizer_model("gpt2")
        writer.add_tokenizer_pre(tokpre)
        writer.add_token_list(tokens)
        writer.add_token_types(toktypes)
        gguf.SpecialVocab(model_dir, load_merges=True).add_to_gguf(writer)


def convert(model_dir: Path, out: Path, dtype: str, name: str, tokpre: str | None) -> None:
    from transformers import AutoConfig
    hparams = AutoConfig.from_pretrained(model_dir).to_dict()
    ftype = FTYPES[dtype]
    writer = gguf.GGUFWriter(path=None, arch="llama")
    add_tensors(writer, model_dir, hparams, ftype)
    writer.add_type(gguf.GGUFType.MODEL)
    writer.add_name(name)
    total, shared, expert, count = writer.get_total_parameter_count()
    writer.add_size_label(gguf.size_label(total, shared, expert, count))
    set_gguf_parameters(writer, hparams, ftype)
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    set_vocab(writer, model_dir, hparams, tokpre)
    writer.write_header_to_file(path=out)
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


LLAMA_BPE_CHKHSH = "0ef9807a4087ebef797fc749390439009c3b9eda9ad1a097abbe738f486c01e5"
CHKTXT = '\n \n\n \n\n\n \t \t\t \t\n  \n   \n    \n     \n🚀 (normal) 😶\u200d🌫️ (multiple emojis concatenated) ✅ 🦙🦙 3 33 333 3333 33333 333333 3333333 33333333 3.3 3..3 3...3 កាន់តែពិសេសអាច😁 ?我想在apple工作1314151天～ ------======= нещо на Български \'\'\'\'\'\'```````""""......!!!!!!?????? I\'ve been \'told he\'s there, \'RE you sure? \'M not sure I\'ll make it, \'D you like some tea? We\'Ve a\'lL'


def check_llama3_pre() -> None:
    """The fixture's Llama 3 tokenizer gets tokenizer.ggml.pre = llama-bpe by the script's own test (get_vocab_base_pre)."""
    from transformers import AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(FIXTURES / "tokenizers" / "llama3")
    chkhsh = hashlib.sha256(str(tokenizer.encode(CHKTXT)).encode()).hexdigest()
    assert chkhsh == LLAMA_BPE_CHKHSH, chkhsh


def make_tiny_spm() -> Path:
    """A synthetic Llama 2 style checkpoint: grouped-query (4 q / 2 kv heads), untied lm_head, float32."""
    d = GOLDEN / "tiny-spm"
    d.mkdir(parents=True, exist_ok=True)
    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 512, "hidden_size": 16,
        "intermediate_size": 24, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
        "max_position_embeddings": 256, "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "tie_word_embeddings": False,
        "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32",
    }
    (d / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    g = torch.Generator().manual_seed(15)
    h, f, kv = 16, 24, 2 * 4
    shapes = {"model.embed_tokens.weight": [512, h], "lm_head.weight": [512, h], "model.norm.weight": [h]}
    for i in range(2):
        p = f"model.layers.{i}."
        shapes |= {
            p + "input_layernorm.weight": [h], p + "post_attention_layernorm.weight": [h],
            p + "self_attn.q_proj.weight": [h, h], p + "self_attn.k_proj.weight": [kv, h],
            p + "self_attn.v_proj.weight": [kv, h], p + "self_attn.o_proj.weight": [h, h],
            p + "mlp.gate_proj.weight": [f, h], p + "mlp.up_proj.weight": [f, h], p + "mlp.down_proj.weight": [h, f],
        }
    tensors = {k: torch.randn(s, generator=g) * (0.5 if len(s) == 1 else 0.05) + (1.0 if len(s) == 1 else 0.0) for k, s in shapes.items()}
    save_file(tensors, d / "model.safetensors", metadata={"format": "pt"})
    os.chmod(d / "model.safetensors", 0o644)
    return d


# (case name, model folder, tokenizer folder or None, tokenizer files to copy, dtypes)
SPM = ["tokenizer.model", "tokenizer.json", "tokenizer_config.json"]
BPE = ["tokenizer.json", "tokenizer_config.json"]
CASES = [
    ("llama2c-260k", FIXTURES / "models" / "llama2c-260k", None, [], ["float32", "float16", "bfloat16"]),
    ("tiny-llama1-mha", FIXTURES / "models" / "tiny-llama1-mha", FIXTURES / "tokenizers" / "tok512", SPM, ["float16"]),
    ("tiny-llama2-gqa-f16-sharded", FIXTURES / "models" / "tiny-llama2-gqa-f16-sharded", FIXTURES / "tokenizers" / "llama2", SPM, ["float32", "bfloat16"]),
    ("tiny-llama3-bf16-tied", FIXTURES / "models" / "tiny-llama3-bf16-tied", FIXTURES / "tokenizers" / "llama3", BPE, ["bfloat16", "float16"]),
    ("tiny-llama-bias-headdim", FIXTURES / "models" / "tiny-llama-bias-headdim", FIXTURES / "tokenizers" / "tok512", SPM, ["float32"]),
    ("tiny-llama-rope-linear", FIXTURES / "models" / "tiny-llama-rope-linear", FIXTURES / "tokenizers" / "tok512", SPM, ["float16"]),
    ("tiny-llama-rope-yarn", FIXTURES / "models" / "tiny-llama-rope-yarn", FIXTURES / "tokenizers" / "tok512", SPM, ["float16"]),
    ("tiny-llama-rope-dynamic", FIXTURES / "models" / "tiny-llama-rope-dynamic", FIXTURES / "tokenizers" / "tok512", SPM, ["float16"]),
]


def make_all_types(path: Path) -> None:
    """Every metadata value type, arrays of each (strings too), a custom alignment, F32/F16/BF16 tensors of odd sizes."""
    V = gguf.GGUFValueType
    w = gguf.GGUFWriter(path=None, arch="test")
    w.add_custom_alignment(64)
    w.add_uint8("t.u8", 200)
    w.add_int8("t.i8", -100)
    w.add_uint16("t.u16", 60000)
    w.add_int16("t.i16", -30000)
    w.add_uint32("t.u32", 4000000000)
    w.add_int32("t.i32", -2000000000)
    w.add_float32("t.f32", 0.1)
    w.add_uint64("t.u64", 2**63 + 5)
    w.add_int64("t.i64", -(2**62) - 3)
    w.add_float64("t.f64", 0.1)
    w.add_bool("t.bool", True)
    w.add_string("t.str", "héllo ▁ 🦙")
    w.add_array("t.arr.str", ["a", "", "ü", "<|x|>"])
    w.add_array("t.arr.i32", [1, -2, 3])
    w.add_array("t.arr.f32", [0.5, -1.25])
    w.add_array("t.arr.bool", [True, False])
    for name, vt, values in [("u8", V.UINT8, [0, 255]), ("i8", V.INT8, [-128, 127]), ("u16", V.UINT16, [65535]),
                             ("i16", V.INT16, [-32768]), ("u32", V.UINT32, [4294967295]), ("u64", V.UINT64, [2**64 - 1]),
                             ("i64", V.INT64, [-(2**63)]), ("f64", V.FLOAT64, [1e300, -0.0])]:
        w.add_key_value(f"t.arr.{name}", values, V.ARRAY, sub_type=vt)
    w.add_tensor("a", np.arange(3, dtype=np.float32) - 1.5, raw_dtype=gguf.GGMLQuantizationType.F32)
    w.add_tensor("b", (np.arange(15, dtype=np.float32).reshape(5, 3) / 7).astype(np.float16), raw_dtype=gguf.GGMLQuantizationType.F16)
    w.add_tensor("c", gguf.quants.quantize(np.linspace(-1, 1, 7, dtype=np.float32), gguf.GGMLQuantizationType.BF16), raw_dtype=gguf.GGMLQuantizationType.BF16)
    w.write_header_to_file(path=path)
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main() -> None:
    make_all_types(GOLDEN / "all-types.gguf")
    check_llama3_pre()
    tiny = make_tiny_spm()
    cases = [("tiny-spm", tiny, FIXTURES / "tokenizers" / "tok512", SPM, ["bfloat16", "float32", "float16"]), *CASES]
    hashes = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, model_dir, tokenizer_dir, files, dtypes in cases:
            work = Path(tmp) / name
            shutil.copytree(model_dir, work)
            for file in files:
                shutil.copy(tokenizer_dir / file, work / file)
            tokpre = "llama-bpe" if files == BPE else None
            for dtype in dtypes:
                out = Path(tmp) / f"{name}.{dtype}.gguf"
                convert(work, out, dtype, name, tokpre)
                data = out.read_bytes()
                hashes.append({"case": name, "model": str(model_dir.relative_to(ROOT) if model_dir.is_relative_to(ROOT) else model_dir),
                               "tokenizer": None if tokenizer_dir is None else str(tokenizer_dir.relative_to(ROOT)),
                               "tokenizer_files": files, "dtype": dtype, "size": len(data),
                               "sha256": hashlib.sha256(data).hexdigest()})
                if name == "tiny-spm" and dtype == "bfloat16":
                    shutil.copy(out, GOLDEN / "tiny-spm.bf16.gguf")
                print(f"{name} {dtype}: {len(data)} bytes", file=sys.stderr)
    doc = {"generator": "make-goldens.py", "gguf": importlib.metadata.version("gguf"),
           "torch": torch.__version__, "numpy": np.__version__, "cases": hashes}
    (GOLDEN / "hashes.json").write_text(json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    main()
