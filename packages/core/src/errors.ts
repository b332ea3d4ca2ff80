/** Base class of every error cria throws on purpose: bad input, a missing backend, a fault in a file. */
export class CriaError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A file on disk (or a byte source) is not what its format says it must be. Names the file. */
export class FileFormatError extends CriaError {
  constructor(readonly file: string, readonly fault: string, options?: { cause?: unknown }) {
    super(`${file}: ${fault}`, options);
  }
}

/** No backend of the requested name can start. Lists each candidate and why it failed. */
export class BackendUnavailableError extends CriaError {
  constructor(readonly requested: string, readonly failures: readonly { name: string; reason: string }[]) {
    super(
      `no backend available for device '${requested}':\n` + failures.map((f) => `  - ${f.name}: ${f.reason}`).join('\n'),
    );
  }
}

/**
 * An op was asked of a backend that does not support it for these dtypes, or for these shapes on its device (never a
 * silent fallback). `reason`, when given, says which argument or device limit decided it.
 */
export class UnsupportedOpError extends CriaError {
  constructor(readonly backend: string, readonly op: string, readonly dtypes: readonly string[], readonly reason?: string) {
    super(`backend '${backend}' does not support op '${op}' for dtypes [${dtypes.join(', ')}]${reason ? `: ${reason}` : ''}`);
  }
}

/** A backend, a tensor or its memory was used after dispose(): one class for all of them, on every backend. */
export class DisposedError extends CriaError {}

/** An argument is out of its domain; names the argument and what was expected. */
export class ArgumentError extends CriaError {}
