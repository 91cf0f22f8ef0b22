// A phase's results as a plain-text table for the terminal.
import { formatCpu } from './cpu';
import type { PhaseResult } from './results';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});

export function formatRate(requestsPerSecond: number): string {
  return integer.format(requestsPerSecond);
}

export function formatMs(ms: number): string {
  return Number.isFinite(ms) ? oneDecimal.format(ms) : '–';
}

/**
 * Title, conditions, one line per (endpoint, variant) grouped by endpoint, and a last column
 * comparing each row's req/s with the phase's first variant for the same endpoint. Then the notes.
 */
export function formatTable(phase: PhaseResult): string {
  const first = phase.variants[0] ?? '';
  const reference = new Map<string, number>();
  for (const row of phase.rows)
    if (row.variant === first) reference.set(row.endpoint, row.result.requestsPerSecond);

  const header = ['endpoint', 'variant', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors'];
  if (phase.variants.length > 1) header.push(`vs ${first}`);
  const withCpu = phase.rows.some((row) => row.cpu);
  if (withCpu) header.push('cpu busy/cores: by process');
  const lines = endpointOrder(phase).flatMap((endpoint) =>
    phase.variants.flatMap((variant) => {
      const row = phase.rows.find((r) => r.endpoint === endpoint && r.variant === variant);
      if (!row) return [];
      const { result } = row;
      const cells = [
        endpoint,
        variant,
        formatRate(result.requestsPerSecond),
        formatMs(result.p50),
        formatMs(result.p95),
        formatMs(result.p99),
        integer.format(result.errors + result.non2xx),
      ];
      if (phase.variants.length > 1) {
        const base = reference.get(endpoint);
        cells.push(
          base === undefined || base === 0
            ? ''
            : `${(result.requestsPerSecond / base).toFixed(2)}×`,
        );
      }
      if (withCpu) cells.push(formatCpu(row.cpu));
      return [cells];
    }),
  );
  const widths = header.map((h, i) =>
    Math.max(h.length, ...lines.map((line) => (line[i] ?? '').length)),
  );
  const format = (cells: string[]) =>
    cells
      .map((cell, i) =>
        i < 2 || (withCpu && i === cells.length - 1)
          ? cell.padEnd(widths[i] ?? 0)
          : cell.padStart(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [
    phase.title,
    phase.subtitle,
    '',
    format(header),
    ...lines.map(format),
    ...(phase.notes.length > 0 ? ['', ...phase.notes.map((note) => `- ${note}`)] : []),
  ].join('\n');
}

/** Endpoints in the order they first appear. */
export function endpointOrder(phase: PhaseResult): string[] {
  return [...new Set(phase.rows.map((row) => row.endpoint))];
}
