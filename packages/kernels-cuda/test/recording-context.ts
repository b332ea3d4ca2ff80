// A NativeContext that runs nothing and records what the backend asked of it: lets the TypeScript layer
// (argument checks, shapes and sizes passed to the kernels, memory ownership) be tested without a GPU.
import type { DevicePtr, NativeContext } from '../src/binding.js';

export interface RecordedCall {
  method: string;
  args: unknown[];
}

export function recordingContext(): NativeContext & { calls: RecordedCall[]; live: Set<DevicePtr>; freed: DevicePtr[] } {
  const calls: RecordedCall[] = [];
  const live = new Set<DevicePtr>();
  const freed: DevicePtr[] = [];
  let next = 0x1000n;
  const record = (method: string) => (...args: unknown[]): void => {
    calls.push({ method, args });
  };
  return {
    calls,
    live,
    freed,
    alloc(bytes: number): DevicePtr {
      const p = next;
      next += BigInt(Math.max(256, Math.ceil(bytes / 256) * 256));
      live.add(p);
      return p;
    },
    free(p: DevicePtr): void {
      if (!live.delete(p)) throw new Error(`free of ${p} which is not live`);
      freed.push(p);
    },
    zero: record('zero'),
    upload: record('upload'),
    copy: record('copy'),
    download: async (_src: DevicePtr, bytes: number) => new ArrayBuffer(bytes),
    synchronize: async () => {},
    memoryInfo: () => ({ free: 0, total: 0, poolReserved: 0, poolUsed: 0 }),
    dispose: record('dispose'),
    gemmInfo: () => ({ cublasLt: false, library: '', reason: 'recording context', minRows: 64 }),
    embedding: record('embedding'),
    rmsNorm: record('rmsNorm'),
    addRmsNorm: record('addRmsNorm'),
    linear: record('linear'),
    linearSiluMul: record('linearSiluMul'),
    linearMany: record('linearMany'),
    blockLinear: record('blockLinear'),
    blockEmbedding: record('blockEmbedding'),
    rope: record('rope'),
    kvWrite: record('kvWrite'),
    attention: record('attention'),
    attentionWeights: record('attentionWeights'),
    siluMul: record('siluMul'),
    add: record('add'),
    softmax: record('softmax'),
    argmax: record('argmax'),
    topk: record('topk'),
    cast: record('cast'),
    beginCapture: record('beginCapture'),
    endCapture: () => 0,
    replay: record('replay'),
    increment: record('increment'),
    destroyGraph: record('destroyGraph'),
    recordTimer: () => 0,
    timeSince: () => 0,
  };
}
