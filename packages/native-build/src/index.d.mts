// Types of index.mjs (plain JavaScript, so an install script runs before anything is compiled).
type Env = Record<string, string | undefined>;

export declare const SYSTEM_NODEDIRS: string[];

export type NodeGypResult = { ok: true; command: string; args: string[]; source: string } | { ok: false; reason: string };
export type NodedirResult =
  | { ok: true; nodedir: string; source: string }
  | { ok: true; nodedir: undefined; note: string }
  | { ok: false; reason: string };
export type BuildDecision = { build: true } | { build: false; reason: string };

export declare function isFile(path: string): boolean;
export declare function isExecutableFile(path: string): boolean;
export declare function findOnPath(name: string, pathValue: string | undefined): string | undefined;
export declare function resolveOwnNodeGyp(): string;
export declare function findNodeGyp(options?: { env?: Env; resolveOwn?: () => string; execPath?: string }): NodeGypResult;
export declare function chooseNodedir(options?: { env?: Env; execPath?: string; systemDirs?: string[] }): NodedirResult;
export declare function buildDecision(options: { packageDir: string; skipVariable: string; env?: Env }): BuildDecision;
export declare function withBuildLock<T>(lockDir: string, work: () => T, options?: { maxWaitMs?: number }): T;
export declare function runNodeGyp(options: { packageDir: string; nodeGyp: { command: string; args: string[] }; nodedir?: string; env?: Env; jobs?: string | number }): number;
