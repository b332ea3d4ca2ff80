import { FileFormatError } from '../errors.js';

/**
 * A file a directory was asked for does not exist. A FileFormatError (the model folder is not what
 * it must be) whose `file` is the full name of the missing file and `directory` the folder's name.
 */
export class MissingFileError extends FileFormatError {
  constructor(file: string, readonly directory: string, options?: { cause?: unknown }) {
    super(file, `no such file in ${directory}`, options);
  }
}
