"""Goldens from the real transformers 5 for checkpoints saved in its config layout (`rope_parameters`, `dtype`).

Each case folder is a tiny random LlamaForCausalLM that transformers itself built and saved with
`save_pretrained` (config.json, generation_config.json, model.safetensors), plus what transformers computes
from it, in the layout of the repository's fixtures (see fixtures/README.md):
  expected.json          inputs, loss with labels = input_ids, greedy prompt/output ids and min_top2_margin
  expected.safetensors   last_hidden_state, hidden_states_first_layer_out, logits, padded_last_hidden_state,
                         padded_logits_last (float32)
Every output comes from a freshly loaded model, so the rotary module's cached state (dynamic, longrope) never
leaks from one computation into the next.

Run (about a minute on the CPU), from the repository root:
  python3 -m venv /tmp/hf && /tmp/hf/bin/pip install --index-url file:///opt/pypi/simple \
      --extra-index-url file:///opt/pypi-more/simple torch==2.13.0+cpu transformers safetensors
  /tmp/hf/bin/python packages/models/test/transformers5/generate.py
"""

import json
import os
import shutil

import torch
import transformers
from safetensors.torch import save_file
from transformers import LlamaConfig, LlamaForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))

BASE = dict(
    vocab_size=96,
    hidden_size=32,
    intermediate_size=48,
    num_hidden_layers=2,
    num_attention_heads=2,
    num_key_value_heads=1,
    head_dim=16,
    max_position_embeddings=64,
    rms_norm_eps=1e-5,
    initializer_range=0.15,
    tie_word_embeddings=False,
    bos_token_id=1,
    eos_token_id=2,
    pad_token_id=0,
    dtype="float32",
)

SHORT = [1.0, 1.1, 1.2, 1.3, 1.5, 1.7, 2.0, 2.5]
LONG = [1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0]
LONGROPE = {"rope_type": "longrope", "short_factor": SHORT, "long_factor": LONG, "original_max_position_embeddings": 16, "rope_theta": 10000.0}

# name -> (config overrides, prompt length, new tokens). Sequences are 24 long; every case whose rope depends on
# a context length sets it below 24 so the unpadded batch and the greedy run cross it.
CASES = {
    "default-theta1e6": (dict(rope_parameters={"rope_type": "default", "rope_theta": 1e6}), 8, 12),
    "linear": (dict(rope_parameters={"rope_type": "linear", "factor": 4.0, "rope_theta": 5e5}), 8, 12),
    "dynamic": (
        dict(max_position_embeddings=16, rope_parameters={"rope_type": "dynamic", "factor": 2.0, "rope_theta": 10000.0}),
        8,
        16,
    ),
    "yarn": (
        dict(rope_parameters={"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 16, "rope_theta": 10000.0}),
        8,
        12,
    ),
    "yarn-no-original-max": (dict(rope_parameters={"rope_type": "yarn", "factor": 2.0, "rope_theta": 20000.0}), 8, 12),
    "yarn-options": (
        dict(
            rope_parameters={
                "rope_type": "yarn",
                "factor": 4.0,
                "original_max_position_embeddings": 16,
                "rope_theta": 50000.0,
                "attention_factor": 0.9,
                "beta_fast": 16.0,
                "beta_slow": 2.0,
                "truncate": False,
            }
        ),
        8,
        12,
    ),
    "yarn-mscale": (
        dict(
            rope_parameters={
                "rope_type": "yarn",
                "factor": 4.0,
                "original_max_position_embeddings": 16,
                "rope_theta": 10000.0,
                "mscale": 0.8,
                "mscale_all_dim": 0.5,
            }
        ),
        8,
        12,
    ),
    "llama3": (
        dict(
            rope_parameters={
                "rope_type": "llama3",
                "factor": 8.0,
                "low_freq_factor": 1.0,
                "high_freq_factor": 4.0,
                "original_max_position_embeddings": 16,
                "rope_theta": 5e5,
            }
        ),
        8,
        12,
    ),
    "longrope": (dict(rope_parameters=LONGROPE), 8, 12),
    "longrope-factor": (dict(rope_parameters={**LONGROPE, "factor": 2.0}), 8, 12),
}


def load(folder):
    model = LlamaForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    return model


def build(name, overrides, prompt_length, new_tokens, seed):
    folder = os.path.join(HERE, name)
    shutil.rmtree(folder, ignore_errors=True)
    torch.manual_seed(seed)
    config = LlamaConfig(**{**BASE, **overrides})
    model = LlamaForCausalLM(config).eval()
    model.save_pretrained(folder)
    saved = json.load(open(os.path.join(folder, "config.json")))
    assert "rope_parameters" in saved and "rope_scaling" not in saved and "rope_theta" not in saved, saved

    g = torch.Generator().manual_seed(seed + 1)
    vocab = BASE["vocab_size"]
    input_ids = torch.randint(3, vocab, (2, 24), generator=g)
    input_ids[:, 0] = 1
    padded = input_ids.clone()
    padded[1, :5] = 0
    padded[1, 5] = 1
    padded[1, 6:] = input_ids[1, 6:]
    mask = torch.ones_like(padded)
    mask[1, :5] = 0
    positions = (mask.cumsum(-1) - 1).clamp(min=0)

    tensors = {}
    with torch.no_grad():
        out = load(folder)(input_ids=input_ids, labels=input_ids, output_hidden_states=True)
        tensors["last_hidden_state"] = out.hidden_states[-1]
        tensors["hidden_states_first_layer_out"] = out.hidden_states[1]
        tensors["logits"] = out.logits
        loss = out.loss.item()

        out = load(folder)(input_ids=padded, attention_mask=mask, position_ids=positions, output_hidden_states=True)
        tensors["padded_last_hidden_state"] = out.hidden_states[-1]
        tensors["padded_logits_last"] = out.logits[:, -1, :]

        prompt = input_ids[:1, :prompt_length]
        generated = load(folder).generate(
            prompt,
            attention_mask=torch.ones_like(prompt),
            max_new_tokens=new_tokens,
            min_new_tokens=new_tokens,
            do_sample=False,
            pad_token_id=0,
            output_logits=True,
            return_dict_in_generate=True,
        )
        margins = []
        for step_logits in generated.logits:
            top2 = torch.topk(step_logits[0], 2).values
            margins.append((top2[0] - top2[1]).item())
    output_ids = generated.sequences[0].tolist()
    assert len(output_ids) == prompt_length + new_tokens, (name, output_ids)

    save_file({k: v.contiguous().to(torch.float32) for k, v in tensors.items()}, os.path.join(folder, "expected.safetensors"))
    expected = {
        "inputs": {
            "input_ids": input_ids.tolist(),
            "padded_input_ids": padded.tolist(),
            "padded_attention_mask": mask.tolist(),
            "padded_position_ids": positions.tolist(),
        },
        "loss_labels_eq_input_ids": loss,
        "greedy": {
            "prompt_ids": prompt[0].tolist(),
            "max_new_tokens": new_tokens,
            "output_ids": output_ids,
            "min_top2_margin": min(margins),
        },
        "rope_parameters": saved["rope_parameters"],
        "note": f"made by packages/models/test/transformers5/generate.py with transformers {transformers.__version__}, torch {torch.__version__} (eager attention, float32)",
    }
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    return min(margins)


def main():
    for name, (overrides, prompt_length, new_tokens) in CASES.items():
        # The first seed whose greedy run has no near-tie (every step's best logit ahead by >= 1e-3).
        for seed in range(1000, 1100):
            margin = build(name, overrides, prompt_length, new_tokens, seed)
            if margin >= 1e-3:
                break
        else:
            raise SystemExit(f"{name}: no seed gives a greedy run without near-ties")
        print(f"{name}: seed {seed}, min top-2 margin {margin:.4f}")


if __name__ == "__main__":
    main()
