import type { OpCaseResult } from './runner.js';

function formatError(error: number): string {
  return Number.isNaN(error) ? '-' : error === 0 ? '0' : error.toExponential(2);
}

/** A plain-text table of results: op, case, status, error, bound, time; and a closing count line. */
export function formatResults(backendName: string, results: readonly OpCaseResult[], referenceName = 'cpu'): string {
  const rows = results.map((r) => [
    r.case.op,
    r.case.name,
    r.status.toUpperCase(),
    formatError(r.error),
    formatError(r.bound),
    r.ms === undefined ? '-' : r.ms.toFixed(2),
    r.message ?? '',
  ]);
  const header = ['op', 'case', 'status', 'error', 'bound', 'ms', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const count = (status: string): number => results.filter((r) => r.status === status).length;
  return [
    `op conformance: ${backendName} against ${referenceName}`,
    line(header),
    ...rows.map(line),
    `${count('pass')} passed, ${count('fail')} failed, ${count('unsupported')} unsupported (of ${results.length})`,
  ].join('\n');
}
