// The closing table of run.sh: what each step did, the bench numbers against their bounds, the
// end-to-end results and the pass lines of the logs. Reads what run.sh left in --results (steps.tsv,
// bounds.json, bench-*.json, e2e-*.json) and the *.log files in --logs; prints text, writes --json.
//   node summary.js --results DIR [--logs DIR] [--json FILE]
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/** bounds.py's measurements (torch on the same GPU). */
export interface Bounds {
  device_name?: string;
  copy_bytes_per_second: number;
  bf16_matmul_flops_per_second: number;
}

/** The fields of `cria bench`'s JSON the summary reads (it states its own bounds; see apps/cli bench-bounds.ts). */
export interface BenchReport {
  model: string;
  backend: string;
  device_description?: string | null;
  dtype: string;
  decode_weight_bytes: number;
  decode_step?: string;
  /** 'fused' (as @cria/models runs) or 'separate' (--separate-ops). */
  ops?: string;
  prompt_length: number;
  new_tokens: number;
  prefill_tokens_per_second: number;
  decode_tokens_per_second: number;
  copy_bytes_per_second: number | null;
  decode_bound_tokens_per_second: number | null;
  decode_fraction_of_bound: number | null;
  matmul_tflops: number | null;
  prefill_fraction_of_matmul_rate: number | null;
}

export interface BenchRow {
  label: string;
  report: BenchReport;
  /** Decode against the torch-measured copy bandwidth (the bench's own bound uses the backend's copy). */
  decode_fraction_of_torch_copy_bound?: number;
}

export interface Step {
  name: string;
  status: string;
  seconds: number;
  log: string;
}

/** One bench report, with decode also put against the copy bandwidth torch measured, where it did. */
export function benchRow(label: string, report: BenchReport, bounds: Bounds | undefined): BenchRow {
  const row: BenchRow = { label, report };
  if (bounds && report.new_tokens > 1) {
    if (!(report.decode_weight_bytes > 0) || !(bounds.copy_bytes_per_second > 0)) {
      throw new Error(`${label}: decode_weight_bytes ${report.decode_weight_bytes} and copy bandwidth ${bounds.copy_bytes_per_second} must be positive`);
    }
    row.decode_fraction_of_torch_copy_bound = (report.decode_tokens_per_second * report.decode_weight_bytes) / bounds.copy_bytes_per_second;
  }
  return row;
}

/** steps.tsv as run.sh writes it: name, status, seconds, log file, tab-separated. */
export function parseSteps(text: string): Step[] {
  return text.split('\n').filter((line) => line.trim() !== '').map((line, index) => {
    const [name, status, seconds, log] = line.split('\t');
    if (name === undefined || status === undefined || seconds === undefined || Number.isNaN(Number(seconds))) {
      throw new Error(`steps.tsv line ${index + 1}: expected name<TAB>status<TAB>seconds<TAB>log, got '${line}'`);
    }
    return { name, status, seconds: Number(seconds), log: log ?? '' };
  });
}

/** The lines of a log worth repeating in the summary: totals, device names, sanitizer verdicts. */
export function highlights(log: string): string[] {
  const wanted = /^(conformance: |device checks: |e2e on |device: |prefill GEMM engine|========= ERROR SUMMARY|node v|cuda |webgpu |cpu |built |FAIL |skipped: |compute-sanitizer not found|VK_DRIVER_FILES=|the device build failed|host time per op|device-to-device copy|[\w.-]+ (decode|prefill) |cria bench: |cria: |[A-Za-z]*Error: )/;
  return log.split('\n').filter((line) => wanted.test(line)).slice(0, 40);
}

const percent = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${(100 * x).toFixed(0)}%`);
const rate = (x: number | null | undefined) => (x === null || x === undefined ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(1));

function formatBench(row: BenchRow): string {
  const r = row.report;
  const prefill = `prefill ${rate(r.prefill_tokens_per_second)} tok/s` + (r.matmul_tflops ? ` = ${percent(r.prefill_fraction_of_matmul_rate)} of ${r.matmul_tflops} TFLOP/s` : '');
  const copy = r.copy_bytes_per_second ? `, copy ${(r.copy_bytes_per_second / 1e9).toFixed(0)} GB/s` : '';
  const decode = r.new_tokens > 1
    ? ` | decode ${rate(r.decode_tokens_per_second)} tok/s (${r.decode_step ?? '?'}${r.ops === 'separate' ? ', separate ops' : ''}) = ${percent(r.decode_fraction_of_bound)} of ${rate(r.decode_bound_tokens_per_second)}${copy}` +
      (row.decode_fraction_of_torch_copy_bound === undefined ? '' : `; ${percent(row.decode_fraction_of_torch_copy_bound)} of the torch-copy bound`)
    : '';
  return `${row.label}: ${r.backend} ${r.dtype} p${r.prompt_length} n${r.new_tokens}: ${prefill}${decode}`;
}

export function formatSummary(steps: Step[], bounds: Bounds | undefined, rows: BenchRow[], notes: string[]): string {
  const lines: string[] = ['== steps'];
  for (const s of steps) lines.push(`${s.status.padEnd(10)} ${s.seconds.toFixed(0).padStart(4)} s  ${s.name}${s.log ? `  (${s.log})` : ''}`);
  if (bounds) {
    lines.push(`== bounds (${bounds.device_name ?? 'device'}, torch): copy ${(bounds.copy_bytes_per_second / 1e9).toFixed(0)} GB/s (read+write), bf16 matmul ${(bounds.bf16_matmul_flops_per_second / 1e12).toFixed(0)} TFLOP/s`);
  } else {
    lines.push('== bounds: not measured (no bounds.json)');
  }
  if (rows.length) {
    lines.push('== bench (fractions: prefill of the matmul rate, decode of weight bytes over copy bandwidth)');
    for (const row of rows) {
      const device = row.report.device_description ? ` [${row.report.device_description}]` : '';
      lines.push(formatBench(row) + device);
    }
  }
  if (notes.length) lines.push('== from the logs', ...notes);
  return lines.join('\n');
}

/** The JSON object `cria bench` printed, skipping any lines a driver wrote before it. */
export function parseBenchOutput(text: string, file: string): BenchReport {
  const start = text.search(/^\{/m);
  if (start < 0) throw new Error(`${file}: no JSON object (a line starting with '{') in the bench output`);
  try {
    return JSON.parse(text.slice(start)) as BenchReport;
  } catch (error) {
    throw new Error(`${file}: bench output is not JSON (${(error as Error).message})`);
  }
}

function readJson<T>(file: string): T {
  const text = readFileSync(file, 'utf8');
  if (text.trim() === '') throw new Error(`${file}: empty (the step that writes it failed; see its log)`);
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new Error(`${file}: not readable JSON (${(error as Error).message})`);
  }
}

/** What one run left behind, read without ever failing: a file that cannot be read becomes a note. */
export function summarize(resultsDir: string, logsDir?: string): { text: string; json: object } {
  const files = existsSync(resultsDir) ? readdirSync(resultsDir).sort() : [];
  const notes: string[] = [];
  const attempt = <T>(what: string, read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      notes.push(`${what}: ${(error as Error).message}`);
      return undefined;
    }
  };
  const steps = files.includes('steps.tsv') ? attempt('steps.tsv', () => parseSteps(readFileSync(join(resultsDir, 'steps.tsv'), 'utf8'))) ?? [] : [];
  const bounds = files.includes('bounds.json') ? attempt('bounds.json', () => readJson<Bounds>(join(resultsDir, 'bounds.json'))) : undefined;
  const rows: BenchRow[] = [];
  for (const f of files.filter((f) => /^bench-.*\.json$/.test(f))) {
    const row = attempt(f, () => {
      const text = readFileSync(join(resultsDir, f), 'utf8');
      if (text.trim() === '') throw new Error('empty (the bench failed; see its log)');
      return benchRow(f.slice('bench-'.length, -'.json'.length), parseBenchOutput(text, f), bounds);
    });
    if (row) rows.push(row);
  }
  const e2e = files.filter((f) => /^e2e-.*\.json$/.test(f)).flatMap((f) => attempt(f, () => readJson<object>(join(resultsDir, f))) ?? []);
  if (logsDir && existsSync(logsDir)) {
    for (const f of readdirSync(logsDir).filter((f) => f.endsWith('.log')).sort()) {
      for (const line of highlights(readFileSync(join(logsDir, f), 'utf8'))) notes.push(`${f}: ${line}`);
    }
  }
  return { text: formatSummary(steps, bounds, rows, notes), json: { steps, bounds: bounds ?? null, bench: rows, e2e, notes } };
}

function main(): void {
  const { values } = parseArgs({ options: { results: { type: 'string' }, logs: { type: 'string' }, json: { type: 'string' } } });
  if (!values.results) throw new Error('summary: --results DIR is required');
  const { text, json } = summarize(values.results, values.logs);
  console.log(text);
  if (values.json) writeFileSync(values.json, JSON.stringify(json, null, 2) + '\n');
}

// Run only as the bundled program, not when tests import the functions.
if (process.argv[1] && /summary\.(js|mjs)$/.test(process.argv[1])) main();
