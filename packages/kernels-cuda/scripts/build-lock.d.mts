// Types of build-lock.mjs.
export declare function withBuildLock<T>(lockDir: string, work: () => T, options?: { maxWaitMs?: number }): T;
