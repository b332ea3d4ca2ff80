// Progress of a weight load, reported as transformers.js reports a model download (progress_callback).
import { CriaError } from '@cria/core';

/** A weight file is about to be read. */
export interface InitiateProgressInfo {
  status: 'initiate';
  /** The model directory (its path, URL or name), as transformers.js names the model id. */
  name: string;
  /** The weight file, relative to the directory ('model.safetensors', 'model-00001-of-00002.safetensors'). */
  file: string;
}

/**
 * Bytes of one weight file have been read and uploaded. Byte counts are of weight data as stored in
 * the checkpoint (before any dtype conversion), counting only the tensors this model loads (each tied
 * tensor once). `loaded`/`total`/`progress` are of this file, as in transformers.js; `totalLoaded`/
 * `totalBytes`/`totalProgress` are of the whole checkpoint.
 */
export interface ProgressStatusInfo {
  status: 'progress';
  name: string;
  file: string;
  /** 0..100 for this file. */
  progress: number;
  loaded: number;
  total: number;
  totalLoaded: number;
  totalBytes: number;
  /** 0..100 for the whole checkpoint. */
  totalProgress: number;
}

/** Every weight of a file is on the device. */
export interface DoneProgressInfo {
  status: 'done';
  name: string;
  file: string;
}

/** The model is loaded (sent once, last). */
export interface ReadyProgressInfo {
  status: 'ready';
  name: string;
  /** The model directory (transformers.js's `model`). */
  model: string;
  totalLoaded: number;
  totalBytes: number;
  totalProgress: number;
}

export type ProgressInfo = InitiateProgressInfo | ProgressStatusInfo | DoneProgressInfo | ReadyProgressInfo;
export type ProgressCallback = (info: ProgressInfo) => void;

function percent(done: number, total: number): number {
  return total === 0 ? 100 : (done / total) * 100;
}

/**
 * Counts the bytes of a load file by file and tells the callback. Files must be loaded one after the
 * other (initiate, progress..., done); an error thrown by the callback propagates to the loader.
 */
export class LoadProgress {
  readonly #name: string;
  readonly #fileBytes: ReadonlyMap<string, number>;
  readonly #callback: ProgressCallback | undefined;
  readonly #totalBytes: number;
  #file: string | null = null;
  #fileLoaded = 0;
  #totalLoaded = 0;

  /** `fileBytes`: the bytes to load from each file. */
  constructor(name: string, fileBytes: ReadonlyMap<string, number>, callback?: ProgressCallback) {
    this.#name = name;
    this.#fileBytes = fileBytes;
    this.#callback = callback;
    this.#totalBytes = [...fileBytes.values()].reduce((a, b) => a + b, 0);
  }

  get totalLoaded(): number {
    return this.#totalLoaded;
  }

  /** Starts `file` (ending the previous one); nothing happens if it is the current file. */
  enterFile(file: string): void {
    if (this.#file === file) return;
    this.#endFile();
    this.#file = file;
    this.#fileLoaded = 0;
    this.#callback?.({ status: 'initiate', name: this.#name, file });
  }

  /** `bytes` more of the current file are loaded. */
  advance(bytes: number): void {
    const file = this.#file;
    if (file === null) throw new CriaError('LoadProgress.advance was called before enterFile');
    this.#fileLoaded += bytes;
    this.#totalLoaded += bytes;
    if (!this.#callback) return;
    const total = this.#fileBytes.get(file) ?? 0;
    this.#callback({
      status: 'progress',
      name: this.#name,
      file,
      progress: percent(this.#fileLoaded, total),
      loaded: this.#fileLoaded,
      total,
      totalLoaded: this.#totalLoaded,
      totalBytes: this.#totalBytes,
      totalProgress: percent(this.#totalLoaded, this.#totalBytes),
    });
  }

  /** Ends the last file and says the model is ready. */
  ready(): void {
    this.#endFile();
    this.#callback?.({
      status: 'ready',
      name: this.#name,
      model: this.#name,
      totalLoaded: this.#totalLoaded,
      totalBytes: this.#totalBytes,
      totalProgress: percent(this.#totalLoaded, this.#totalBytes),
    });
  }

  #endFile(): void {
    if (this.#file === null) return;
    const file = this.#file;
    this.#file = null;
    this.#callback?.({ status: 'done', name: this.#name, file });
  }
}
