// A one-line load progress on stderr (percent and MB), shown only when stderr is a terminal.
import type { FromPretrainedOptions } from '@cria/models';

type ProgressCallback = NonNullable<FromPretrainedOptions['progress_callback']>;
type ProgressInfo = Parameters<ProgressCallback>[0];

/** What the progress line writes to: process.stderr, or a stand-in in tests. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

const MB = 1e6;
/** Redraws at most this often (ms), besides the first and the last. */
const REDRAW_MS = 100;

/** "Loading <name>: 42% (123.4 / 300.0 MB)". */
export function progressLine(name: string, loaded: number, total: number): string {
  const percent = total === 0 ? 100 : Math.floor((loaded / total) * 100);
  return `Loading ${name}: ${percent}% (${(loaded / MB).toFixed(1)} / ${(total / MB).toFixed(1)} MB)`;
}

/** A progress line: the callback that draws it, and `clear` that erases it (idempotent). */
export interface TerminalLoadProgress {
  callback: ProgressCallback;
  clear(): void;
}

/**
 * A line that redraws on `stream` while weights load and is erased when the model is ready, or undefined when
 * `stream` is not a terminal (so piped and JSON output stays clean).
 */
export function terminalLoadProgress(stream: ProgressStream = process.stderr, now: () => number = () => performance.now()): TerminalLoadProgress | undefined {
  if (!stream.isTTY) return undefined;
  let lastDraw = -Infinity;
  let shown = false;
  const clear = () => {
    if (shown) stream.write('\r\x1b[2K');
    shown = false;
  };
  const callback = (info: ProgressInfo) => {
    if (info.status === 'ready') return clear();
    if (info.status !== 'progress') return;
    const last = info.totalLoaded === info.totalBytes;
    const t = now();
    if (!last && t - lastDraw < REDRAW_MS) return;
    lastDraw = t;
    shown = true;
    stream.write(`\r\x1b[2K${progressLine(info.name, info.totalLoaded, info.totalBytes)}`);
  };
  return { callback, clear };
}

/** Runs `load` with a progress line on `stream` (when a terminal), erased however the load ends. */
export async function loadWithProgress<T>(
  load: (progress_callback: ProgressCallback | undefined) => Promise<T>,
  stream: ProgressStream = process.stderr,
  now?: () => number,
): Promise<T> {
  const line = terminalLoadProgress(stream, now);
  try {
    return await load(line?.callback);
  } finally {
    line?.clear();
  }
}
