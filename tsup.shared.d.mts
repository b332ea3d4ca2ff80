import type { Options } from 'tsup';

/** Shared tsup settings for a package whose entry points are `entry` (see tsup.shared.mjs). */
export function criaTsupConfig(entry: string[]): Options | Options[] | ((overrideOptions: Options) => Options | Options[] | Promise<Options | Options[]>);
