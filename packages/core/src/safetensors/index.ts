export type { SafetensorsCheckpoint, SafetensorsTensorInfo, SafetensorsTensorInput, SafetensorsTensorSpec } from './types.js';
export { SAFETENSORS_DTYPES, SAFETENSORS_NAME_OF, type SafetensorsDtypeInfo } from './dtypes.js';
export { MAX_HEADER_BYTES, parseSafetensorsHeader, type SafetensorsHeader } from './header.js';
export { readSafetensorsHeader } from './read-header.js';
export { SAFETENSORS_INDEX_FILE, SAFETENSORS_SINGLE_FILE, parseSafetensorsIndex, type SafetensorsIndex } from './index-file.js';
export { openSafetensors, type OpenSafetensorsOptions } from './open.js';
export { serializeSafetensors, writeSafetensors } from './serialize.js';
export { createShardedSafetensorsWriter, planShards, safetensorsIndexText, shardFileNames, type ShardedSafetensorsWriter, type ShardedWriterOptions } from './sharded-writer.js';
export { parseShardSize } from './shard-size.js';
