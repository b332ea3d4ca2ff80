// Child process of the memory test: converts the checkpoint named on the command line and prints
// its own peak resident memory as JSON on the last line of stdout.
import { convertMetaCheckpoint } from '../src/index.js';

const [inputDir, outputDir] = process.argv.slice(2);
if (!inputDir || !outputDir) throw new Error('usage: memory-child <input_dir> <output_dir>');
const start = performance.now();
const result = await convertMetaCheckpoint({ inputDir, outputDir, llamaVersion: '2', maxShardSize: '1GB' });
const seconds = (performance.now() - start) / 1000;
process.stdout.write(JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024, seconds, bytes: result.bytes, largestTensorBytes: result.largestTensorBytes, files: result.files }) + '\n');
