"""How the real transformers 5 reads config.json's RoPE and dtype fields, in both layouts.

Writes rope-standardization.json: for each case, the config.json fields given to `LlamaConfig.from_dict` and
what transformers 5 holds afterwards (`config.rope_parameters`, `config.dtype` as a string), and what
`save_pretrained` writes for them. Cases where two fields disagree are left out: transformers silently
prefers one, cria refuses them by name (see llama-config.test.ts).

Run from the repository root with a venv holding transformers 5 and torch (see the models package's
test/transformers5/generate.py for the install line):
  /tmp/hf/bin/python packages/config/test/transformers5/generate.py
"""

import json
import os
import tempfile

import torch
import transformers
from transformers import LlamaConfig

HERE = os.path.dirname(os.path.abspath(__file__))
SMALL = dict(hidden_size=32, num_attention_heads=2, head_dim=16, num_hidden_layers=1, intermediate_size=48, vocab_size=64)
LLAMA3 = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}

CASES = {
    # transformers 4.x layout
    "v4 defaults (no rope fields)": {},
    "v4 rope_theta only": {"rope_theta": 500000.0, "rope_scaling": None},
    "v4 linear with the old `type` key": {"rope_theta": 10000.0, "rope_scaling": {"type": "linear", "factor": 4.0}},
    "v4 dynamic": {"rope_scaling": {"type": "dynamic", "factor": 2.0}},
    "v4 llama3 (Llama 3.1)": {"max_position_embeddings": 131072, "rope_theta": 500000.0, "rope_scaling": LLAMA3},
    "v4 yarn without original_max_position_embeddings": {"max_position_embeddings": 4096, "rope_scaling": {"rope_type": "yarn", "factor": 2.0}},
    "v4 longrope": {
        "max_position_embeddings": 256,
        "rope_scaling": {"rope_type": "longrope", "short_factor": [1.0] * 8, "long_factor": [2.0] * 8, "original_max_position_embeddings": 64},
    },
    "v4 torch_dtype": {"torch_dtype": "bfloat16"},
    # transformers 5 layout
    "v5 default": {"rope_parameters": {"rope_type": "default", "rope_theta": 1000000.0}, "dtype": "float16"},
    "v5 linear": {"rope_parameters": {"rope_type": "linear", "factor": 4.0, "rope_theta": 500000.0}},
    "v5 llama3": {"max_position_embeddings": 131072, "rope_parameters": {**LLAMA3, "rope_theta": 500000.0}, "dtype": "bfloat16"},
    "v5 without rope_type": {"rope_parameters": {"rope_theta": 250000.0}},
    "v5 without rope_theta (the default period)": {"rope_parameters": {"rope_type": "linear", "factor": 2.0}},
    "v5 llama3 without original_max_position_embeddings": {
        "max_position_embeddings": 2048,
        "rope_parameters": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "rope_theta": 500000.0},
    },
    "v5 yarn with every option": {
        "max_position_embeddings": 128,
        "rope_parameters": {
            "rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32, "rope_theta": 10000.0,
            "attention_factor": 0.9, "beta_fast": 16.0, "beta_slow": 2.0, "mscale": 0.8, "mscale_all_dim": 0.5, "truncate": False,
        },
    },
    "v5 longrope with a factor": {
        "max_position_embeddings": 256,
        "rope_parameters": {"rope_type": "longrope", "short_factor": [1.0] * 8, "long_factor": [2.0] * 8, "original_max_position_embeddings": 64, "factor": 2.0, "rope_theta": 10000.0},
    },
    # both layouts, agreeing (what cria's save_pretrained writes)
    "both layouts, agreeing": {
        "rope_theta": 500000.0,
        "rope_scaling": {"rope_type": "linear", "factor": 4.0},
        "rope_parameters": {"rope_type": "linear", "factor": 4.0, "rope_theta": 500000.0},
        "dtype": "bfloat16",
        "torch_dtype": "bfloat16",
    },
    "rope_parameters' rope_theta and a top-level one, equal": {"rope_theta": 20000.0, "rope_parameters": {"rope_type": "default", "rope_theta": 20000.0}},
}


def dtype_name(value):
    return None if value is None else str(value).split(".")[-1]


def main():
    out = {"transformers": transformers.__version__, "torch": torch.__version__, "cases": []}
    for name, fields in CASES.items():
        config = LlamaConfig.from_dict({**SMALL, **json.loads(json.dumps(fields))})
        with tempfile.TemporaryDirectory() as tmp:
            config.save_pretrained(tmp)
            saved = json.load(open(os.path.join(tmp, "config.json")))
        out["cases"].append(
            {
                "name": name,
                "config": {**SMALL, **fields},
                "rope_parameters": config.rope_parameters,
                "dtype": dtype_name(config.dtype),
                "saved": {k: saved.get(k) for k in ("rope_parameters", "dtype") if k in saved},
            }
        )
    with open(os.path.join(HERE, "rope-standardization.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"{len(out['cases'])} cases")


if __name__ == "__main__":
    main()
