// Meta's original checkpoint (params.json + consolidated.NN.pth) -> Hugging Face layout, one
// tensor at a time: each merged tensor is assembled in one buffer from its shards (read one shard
// piece at a time), written at its planned place, and dropped. Peak memory is about one merged
// tensor plus one shard piece, whatever the model's size.
import { access, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ArgumentError, DTYPE_BYTES, FileFormatError, createShardedSafetensorsWriter, shapeSize } from '@cria/core';
import { openPytorchCheckpoint, type PytorchCheckpoint } from '../pytorch/checkpoint.js';
import { createShardedPytorchWriter } from '../pytorch/sharded-bin-writer.js';
import { elementCopier, isOutputDType, type FloatDType } from './dtype-cast.js';
import { buildGenerationConfig, buildHfConfig, pythonJson } from './hf-config.js';
import { NUM_SHARDS, type LlamaVersion } from './llama-versions.js';
import { readMetaParams, type MetaParams } from './meta-params.js';
import { convertLlamaTokenizer } from './tokenizer.js';
import { mergedShape, permutedRow, planTensors, type PlannedTensor } from './tensor-plan.js';

export interface ConvertProgress {
  /** Tensors written so far and in all. */
  done: number;
  total: number;
  /** Bytes written so far and in all. */
  bytesDone: number;
  bytesTotal: number;
  tensor: string;
}

export interface ConvertMetaOptions {
  inputDir: string;
  outputDir: string;
  llamaVersion: LlamaVersion;
  /** '7B', '70B', ...: gives the number of model-parallel shards when `numShards` is not set. */
  modelSize?: string;
  numShards?: number;
  /** Written dtype: 'bfloat16' (the script's), 'float16', 'float32', or 'auto' (keep the checkpoint's). */
  torchDtype?: FloatDType | 'auto';
  /** Largest safetensors shard: bytes or '5GB'-style (default '5GB', as save_pretrained). */
  maxShardSize?: number | string;
  instruct?: boolean;
  /** true (default): safetensors; false: pytorch_model.bin (sharded with an index past maxShardSize). */
  safeSerialization?: boolean;
  /**
   * Convert `tokenizer.model` of the input folder too (default true when it exists); its length
   * (base vocabulary + special tokens) is config.json's vocab_size, as in the script.
   */
  tokenizer?: boolean;
  onProgress?: (progress: ConvertProgress) => void;
}

export interface ConvertMetaResult {
  files: string[];
  config: Record<string, unknown>;
  tensors: number;
  bytes: number;
  /** The size of the largest merged tensor, in bytes: memory scales with this, not the model. */
  largestTensorBytes: number;
}

interface ResolvedTensor {
  plan: PlannedTensor;
  shape: number[];
}

export async function convertMetaCheckpoint(options: ConvertMetaOptions): Promise<ConvertMetaResult> {
  const { inputDir, outputDir, llamaVersion: version } = options;
  const params = await readMetaParams(join(inputDir, 'params.json'));
  const shardFiles = await findShardFiles(inputDir);
  const numShards = resolveNumShards(options, shardFiles);
  const outDtypeOption = options.torchDtype ?? 'bfloat16';
  if (outDtypeOption !== 'auto' && !isOutputDType(outDtypeOption)) {
    throw new ArgumentError(`--torch_dtype must be bfloat16, float16, float32 or auto; got '${String(outDtypeOption)}'`);
  }

  const shards: PytorchCheckpoint[] = [];
  try {
    for (const file of shardFiles.slice(0, numShards)) shards.push(await openPytorchCheckpoint(join(inputDir, file)));
    const tieWordEmbeddings = version === '3.2';
    const plan = planTensors(params, { version, numShards, tieWordEmbeddings });
    const resolved = plan.map((p) => resolveTensor(p, shards, params));
    const outDtype: FloatDType = outDtypeOption === 'auto' ? sourceFloatDType(shards[0]!, resolved[0]!.plan.source) : outDtypeOption;
    const embed = resolved.find((r) => r.plan.name === 'model.embed_tokens.weight')!;
    const tokenizerPath = join(inputDir, 'tokenizer.model');
    const withTokenizer = options.tokenizer ?? (await exists(tokenizerPath));
    const tokenizer = withTokenizer ? await convertLlamaTokenizer(tokenizerPath, outputDir, { version, instruct: options.instruct ?? false }) : undefined;
    const vocabSize = tokenizer?.vocabSize ?? embed.shape[0]!;
    if (vocabSize !== embed.shape[0]) {
      throw new FileFormatError(join(inputDir, shardFiles[0]!), `the embedding has ${embed.shape[0]} rows but the tokenizer has ${vocabSize} tokens`);
    }
    const config = buildHfConfig(params, { version, vocabSize, instruct: options.instruct ?? false, torchDtype: outDtype });

    await mkdir(outputDir, { recursive: true });
    const specs = resolved.map((r) => ({ name: r.plan.name, dtype: outDtype, shape: r.shape }));
    const bytesOf = (r: ResolvedTensor) => shapeSize(r.shape) * DTYPE_BYTES[outDtype];
    const bytesTotal = resolved.reduce((sum, r) => sum + bytesOf(r), 0);
    const largestTensorBytes = resolved.reduce((max, r) => Math.max(max, bytesOf(r)), 0);
    const safe = options.safeSerialization ?? true;
    const writer = safe
      ? await createShardedSafetensorsWriter(outputDir, specs, { maxShardSize: options.maxShardSize ?? '5GB', metadata: { format: 'pt' } })
      : await createShardedPytorchWriter(outputDir, specs, { maxShardSize: options.maxShardSize ?? '5GB' });

    // Two buffers for the whole run: one merged tensor and one shard piece, reused tensor after tensor.
    const scratch = { out: new ScratchBuffer(largestTensorBytes), piece: new ScratchBuffer(0) };
    let bytesDone = 0;
    for (const [i, r] of resolved.entries()) {
      const data = await assembleTensor(r, shards, outDtype, scratch);
      await writer.write(r.plan.name, data);
      bytesDone += data.byteLength;
      options.onProgress?.({ done: i + 1, total: resolved.length, bytesDone, bytesTotal, tensor: r.plan.name });
    }
    await writer.close();

    await writeFile(join(outputDir, 'config.json'), pythonJson(config));
    await writeFile(join(outputDir, 'generation_config.json'), pythonJson(buildGenerationConfig(version, options.instruct ?? false)));
    const files = [...writer.files, 'config.json', 'generation_config.json', ...(tokenizer?.files ?? [])];
    if (writer.files.length > 1) files.push(safe ? 'model.safetensors.index.json' : 'pytorch_model.bin.index.json');
    return { files, config, tensors: resolved.length, bytes: bytesTotal, largestTensorBytes };
  } finally {
    await Promise.allSettled(shards.map((s) => s.close()));
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** consolidated.NN.pth files (any *.pth, as the script), sorted. */
export async function findShardFiles(inputDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(inputDir);
  } catch (error) {
    throw new ArgumentError(`--input_dir ${inputDir} cannot be read: ${(error as Error).message}`);
  }
  const files = names.filter((n) => n.endsWith('.pth')).sort();
  if (files.length === 0) throw new ArgumentError(`--input_dir ${inputDir} has no consolidated.NN.pth checkpoint`);
  return files;
}

function resolveNumShards(options: ConvertMetaOptions, files: readonly string[]): number {
  let n = options.numShards;
  if (n === undefined && options.modelSize !== undefined && options.modelSize !== 'tokenizer_only') {
    n = NUM_SHARDS[options.modelSize];
    if (n === undefined) throw new ArgumentError(`--model_size '${options.modelSize}' is unknown; use one of ${Object.keys(NUM_SHARDS).join(', ')} or pass --num_shards`);
  }
  n ??= files.length;
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`--num_shards must be a positive integer, got ${n}`);
  if (n > files.length) throw new ArgumentError(`the model has ${n} model-parallel shards but ${options.inputDir} holds only ${files.length} .pth files (${files.join(', ')})`);
  if (n > 1 && n !== files.length) throw new ArgumentError(`the model has ${n} model-parallel shards but ${options.inputDir} holds ${files.length} .pth files; they must match`);
  return n;
}

function sourceFloatDType(shard: PytorchCheckpoint, name: string): FloatDType {
  const dtype = shard.info(name).torchDtype;
  if (dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16') return dtype;
  throw new FileFormatError(shard.file, `tensor '${name}' is ${dtype}; --torch_dtype auto needs float32, float16 or bfloat16 weights`);
}

/** Checks that every shard holds the source tensor with a shape that merges, and gives the merged shape. */
function resolveTensor(plan: PlannedTensor, shards: readonly PytorchCheckpoint[], params: MetaParams): ResolvedTensor {
  const used = plan.merge.kind === 'first' ? shards.slice(0, 1) : shards;
  const shapes = used.map((shard) => {
    if (!shard.has(plan.source)) throw new FileFormatError(shard.file, `checkpoint lacks '${plan.source}' (needed for ${plan.name})`);
    const shape = shard.info(plan.source).shape;
    if (shape.length !== (plan.name.endsWith('norm.weight') ? 1 : 2)) {
      throw new FileFormatError(shard.file, `'${plan.source}' has shape [${shape.join(', ')}]; expected ${plan.name.endsWith('norm.weight') ? 'a vector' : 'a matrix'}`);
    }
    return shape;
  });
  if (plan.merge.kind === 'cat') {
    const other = plan.merge.dim === 0 ? 1 : 0;
    for (const [i, s] of shapes.entries()) {
      if (s[other] !== shapes[0]![other]) {
        throw new FileFormatError(used[i]!.file, `'${plan.source}' has shape [${s.join(', ')}], which does not concatenate on dim ${plan.merge.dim} with shard 0's [${shapes[0]!.join(', ')}]`);
      }
    }
  }
  const shape = mergedShape(plan, shapes);
  if (plan.permute) {
    const rows = plan.permute.heads * plan.permute.headDim;
    if (shape[0] !== rows || shape[1] !== params.dim) {
      throw new FileFormatError(used[0]!.file, `'${plan.source}' merges to [${shape.join(', ')}]; params.json gives [${rows}, ${params.dim}] (${plan.permute.heads} heads of ${plan.permute.headDim})`);
    }
  }
  return { plan, shape };
}

/** Reads the shard pieces of one tensor one at a time and writes them, merged and permuted, into one buffer. */
async function assembleTensor(
  r: ResolvedTensor,
  shards: readonly PytorchCheckpoint[],
  outDtype: FloatDType,
  scratch: { out: ScratchBuffer; piece: ScratchBuffer },
): Promise<Uint8Array> {
  const { plan, shape } = r;
  const single = plan.merge.kind === 'first' || shards.length === 1;
  const firstDtype = shards[0]!.info(plan.source).torchDtype;
  const rows = shape.length === 1 ? 1 : shape[0]!;
  const cols = shape.length === 1 ? shape[0]! : shape[1]!;
  const out = scratch.out.take(rows * cols * DTYPE_BYTES[outDtype]);
  if (single && !plan.permute && firstDtype === outDtype) {
    await shards[0]!.getBytesInto(plan.source, out);
    return out;
  }
  const pieces = single ? shards.slice(0, 1) : shards;
  let rowOffset = 0;
  let colOffset = 0;
  for (const shard of pieces) {
    const info = shard.info(plan.source);
    const pieceRows = info.shape.length === 1 ? 1 : info.shape[0]!;
    const pieceCols = info.shape.length === 1 ? info.shape[0]! : info.shape[1]!;
    const bytes = scratch.piece.take(info.byteLength);
    await shard.getBytesInto(plan.source, bytes);
    const copy = elementCopier(bytes, info.torchDtype, out, outDtype, `${shard.file}: '${plan.source}'`);
    for (let pr = 0; pr < pieceRows; pr++) {
      const merged = rowOffset + pr;
      const row = plan.permute ? permutedRow(merged, plan.permute) : merged;
      copy(pr * pieceCols, row * cols + colOffset, pieceCols);
    }
    if (plan.merge.kind === 'cat' && plan.merge.dim === 1) colOffset += pieceCols;
    else rowOffset += pieceRows;
  }
  return out;
}

/** A buffer reused across tensors: take(n) gives the first n bytes, growing it when needed. */
class ScratchBuffer {
  #buffer: ArrayBuffer;
  constructor(initialBytes: number) {
    this.#buffer = new ArrayBuffer(initialBytes);
  }
  take(bytes: number): Uint8Array {
    if (bytes > this.#buffer.byteLength) this.#buffer = new ArrayBuffer(bytes);
    return new Uint8Array(this.#buffer, 0, bytes);
  }
}
