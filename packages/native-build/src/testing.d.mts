// Types of testing.mjs.
export interface TemporaryTree {
  readonly root: string;
  freshDir(name: string): string;
  writeFile(path: string, text: string, executable?: boolean): string;
  remove(): void;
}
export declare function temporaryTree(prefix: string): TemporaryTree;
