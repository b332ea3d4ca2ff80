// Types of find-toolchain.mjs (plain JavaScript, so the install script runs before anything is compiled).
type Env = Record<string, string | undefined>;

export declare const CUDA_LIB_DIRS: string[];
export declare const STANDARD_CUDA_HOMES: string[];
export declare const SYSTEM_NODEDIRS: string[];

export type ToolkitResult =
  | { ok: true; home: string; libDir: string; nvcc: string; source: string }
  | { ok: false; reason: string };
export type NodeGypResult = { ok: true; command: string; args: string[]; source: string } | { ok: false; reason: string };
export type NodedirResult =
  | { ok: true; nodedir: string; source: string }
  | { ok: true; nodedir: undefined; note: string }
  | { ok: false; reason: string };
export type BuildDecision = { build: true } | { build: false; reason: string };

export declare function findOnPath(name: string, pathValue: string | undefined): string | undefined;
export declare function findCudaLibDir(home: string): string | undefined;
export declare function findCudaToolkit(options?: { env?: Env; standardHomes?: string[] }): ToolkitResult;
export declare function resolveOwnNodeGyp(): string;
export declare function findNodeGyp(options?: { env?: Env; resolveOwn?: () => string; execPath?: string }): NodeGypResult;
export declare function chooseNodedir(options?: { env?: Env; execPath?: string; systemDirs?: string[] }): NodedirResult;
export declare function buildDecision(options: { packageDir: string; env?: Env }): BuildDecision;
