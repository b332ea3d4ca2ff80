export { type ByteSource, type CountingSource, blobSource, bytesSource, countingSource, fileSource, httpSource } from './byte-source.js';
export { type ModelDirectory, filesDirectory, ggufLocation, isGgufFileName, nodeDirectory, toModelDirectory, urlDirectory } from './model-directory.js';
export { MissingFileError } from './missing-file-error.js';
