export { TokenizerPipeline } from './json/pipeline.js';
export { translateRegex, compileRegex } from './regex/translate.js';
