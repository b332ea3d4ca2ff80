// Types of find-toolchain.mjs (plain JavaScript, so the install script runs before anything is compiled).
type Env = Record<string, string | undefined>;

export declare const CUDA_LIB_DIRS: string[];
export declare const STANDARD_CUDA_HOMES: string[];

export type ToolkitResult =
  | { ok: true; home: string; libDir: string; nvcc: string; source: string }
  | { ok: false; reason: string };

export declare function findCudaLibDir(home: string): string | undefined;
export declare function findCudaToolkit(options?: { env?: Env; standardHomes?: string[] }): ToolkitResult;
