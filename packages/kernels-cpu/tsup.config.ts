import { criaTsupConfig } from '../../tsup.shared.mjs';

export default criaTsupConfig(['src/index.ts', 'src/reference.ts']);
