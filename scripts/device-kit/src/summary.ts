// The closing table of run.sh: what each step did, the bench numbers as fractions of their bounds, the
// end-to-end results and the pass lines of the logs. Reads what run.sh left in --results (steps.tsv,
// bounds.json, bench-*.json, e2e-*.json) and the *.log files in --logs; prints text, writes --json.
//   node summary.js --results DIR [--logs DIR] [--json FILE]
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type BenchShape, decodeBoundTokensPerSecond, prefillBoundTokensPerSecond } from './bounds-math.js';

export interface Bounds {
  device_name?: string;
  copy_bytes_per_second: number;
  bf16_matmul_flops_per_second: number;
}

export interface BenchReport {
  model: string;
  shape: BenchShape;
  backend: string;
  dtype: string;
  weight_bytes: number;
  prompt_length: number;
  new_tokens: number;
  prefill_tokens_per_second: number;
  decode_tokens_per_second: number;
}

export interface BenchRow {
  label: string;
  backend: string;
  dtype: string;
  model: string;
  prompt_length: number;
  new_tokens: number;
  prefill_tokens_per_second: number;
  decode_tokens_per_second: number;
  /** Present when bounds were measured; decode only when a decode was timed (new_tokens > 1). */
  decode_bound_tokens_per_second?: number;
  decode_fraction_of_bound?: number;
  prefill_bound_tokens_per_second?: number;
  prefill_fraction_of_bound?: number;
}

export interface Step {
  name: string;
  status: string;
  seconds: number;
  log: string;
}

/** One bench report with its bounds (when measured) and fractions of them. */
export function benchRow(label: string, report: BenchReport, bounds: Bounds | undefined): BenchRow {
  const row: BenchRow = {
    label,
    backend: report.backend,
    dtype: report.dtype,
    model: report.model,
    prompt_length: report.prompt_length,
    new_tokens: report.new_tokens,
    prefill_tokens_per_second: report.prefill_tokens_per_second,
    decode_tokens_per_second: report.decode_tokens_per_second,
  };
  if (!bounds) return row;
  if (report.new_tokens > 1) {
    row.decode_bound_tokens_per_second = decodeBoundTokensPerSecond(report.weight_bytes, bounds.copy_bytes_per_second);
    row.decode_fraction_of_bound = report.decode_tokens_per_second / row.decode_bound_tokens_per_second;
  }
  row.prefill_bound_tokens_per_second = prefillBoundTokensPerSecond(report.shape, report.prompt_length, bounds.bf16_matmul_flops_per_second);
  row.prefill_fraction_of_bound = report.prefill_tokens_per_second / row.prefill_bound_tokens_per_second;
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
  const wanted = /^(conformance: |device checks: |e2e on |device: |prefill GEMM engine|========= ERROR SUMMARY|node v|cuda |webgpu |cpu |built |FAIL |skipped: |compute-sanitizer not found|VK_DRIVER_FILES=|the device build failed|host time per op|device-to-device copy|[\w.-]+ (decode|prefill) )/;
  return log.split('\n').filter((line) => wanted.test(line)).slice(0, 40);
}

const percent = (x: number | undefined) => (x === undefined ? '-' : `${(100 * x).toFixed(0)}%`);
const rate = (x: number | undefined) => (x === undefined ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(1));

export function formatSummary(steps: Step[], bounds: Bounds | undefined, rows: BenchRow[], notes: string[]): string {
  const lines: string[] = ['== steps'];
  for (const s of steps) lines.push(`${s.status.padEnd(10)} ${s.seconds.toFixed(0).padStart(4)} s  ${s.name}${s.log ? `  (${s.log})` : ''}`);
  if (bounds) {
    lines.push(`== bounds (${bounds.device_name ?? 'device'}): copy ${(bounds.copy_bytes_per_second / 1e9).toFixed(0)} GB/s (read+write), bf16 matmul ${(bounds.bf16_matmul_flops_per_second / 1e12).toFixed(0)} TFLOP/s`);
  } else {
    lines.push('== bounds: not measured (no bounds.json)');
  }
  if (rows.length) {
    lines.push('== bench: prefill tok/s (bound, fraction) | decode tok/s (bound, fraction)');
    for (const r of rows) {
      lines.push(
        `${r.label}: ${r.backend} ${r.dtype} p${r.prompt_length} n${r.new_tokens}: prefill ${rate(r.prefill_tokens_per_second)} (${rate(r.prefill_bound_tokens_per_second)}, ${percent(r.prefill_fraction_of_bound)})` +
          (r.new_tokens > 1 ? ` | decode ${rate(r.decode_tokens_per_second)} (${rate(r.decode_bound_tokens_per_second)}, ${percent(r.decode_fraction_of_bound)})` : ''),
      );
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
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new Error(`${file}: not readable JSON (${(error as Error).message})`);
  }
}

function main(): void {
  const { values } = parseArgs({ options: { results: { type: 'string' }, logs: { type: 'string' }, json: { type: 'string' } } });
  if (!values.results) throw new Error('summary: --results DIR is required');
  const dir = values.results;
  const files = existsSync(dir) ? readdirSync(dir).sort() : [];
  const steps = files.includes('steps.tsv') ? parseSteps(readFileSync(join(dir, 'steps.tsv'), 'utf8')) : [];
  const bounds = files.includes('bounds.json') ? readJson<Bounds>(join(dir, 'bounds.json')) : undefined;
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  const raw: Record<string, BenchReport> = {};
  for (const f of files.filter((f) => /^bench-.*\.json$/.test(f))) {
    try {
      const report = parseBenchOutput(readFileSync(join(dir, f), 'utf8'), f);
      raw[f] = report;
      rows.push(benchRow(f.slice('bench-'.length, -'.json'.length), report, bounds));
    } catch (error) {
      notes.push(`${f}: ${(error as Error).message}`);
    }
  }
  const e2e = files.filter((f) => /^e2e-.*\.json$/.test(f)).map((f) => readJson<{ device: string; passed: number; total: number }>(join(dir, f)));
  if (values.logs && existsSync(values.logs)) {
    for (const f of readdirSync(values.logs).filter((f) => f.endsWith('.log')).sort()) {
      for (const line of highlights(readFileSync(join(values.logs, f), 'utf8'))) notes.push(`${f}: ${line}`);
    }
  }
  console.log(formatSummary(steps, bounds, rows, notes));
  if (values.json) writeFileSync(values.json, JSON.stringify({ steps, bounds, bench: rows, bench_reports: raw, e2e, notes }, null, 2) + '\n');
}

// Run only as the bundled program, not when tests import the functions.
if (process.argv[1] && /summary\.(js|mjs)$/.test(process.argv[1])) main();
