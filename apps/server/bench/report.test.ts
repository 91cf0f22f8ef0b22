// The bench's output: options checked before anything starts, the table a person reads in the
// terminal, and the chart written to a file. Pure functions, so no server or database here.
import { describe, expect, it } from 'vitest';
import { LAYOUT, niceScale, PLOT_WIDTH, renderChart } from './chart';
import { estimateSeconds, measurementCount, PHASES, parseOptions, UsageError } from './cli';
import { percentile } from './load';
import type { BenchReport, PhaseResult } from './results';
import { fileStamp } from './results';
import { formatTable } from './table';

const result = (requestsPerSecond: number, p99 = 10, errors = 0) => ({
  requestsPerSecond,
  p50: 2,
  p95: 5,
  p99,
  non2xx: 0,
  errors,
});

const phase: PhaseResult = {
  phase: 'cache',
  title: 'Cache off vs on',
  subtitle: 'PostgreSQL, 10,000 articles, 16 connections, 10 s',
  variants: ['cache off', 'cache on'],
  rows: [
    { endpoint: 'article.get', variant: 'cache off', request: '/a', result: result(1000) },
    { endpoint: 'article.get', variant: 'cache on', request: '/a', result: result(2500, 4) },
    { endpoint: 'tag.list', variant: 'cache off', request: '/t', result: result(400, 30) },
    {
      endpoint: 'tag.list',
      variant: 'cache on',
      request: '/t',
      result: result(3000, 3, 7),
      cpu: { cores: 2, machine: 1.96, loadGenerator: 0.81, server: 0.92, database: 0.2, proxy: 0 },
    },
  ],
  notes: ['seeded in 4.2 s'],
};

const withOneError: PhaseResult = {
  ...phase,
  rows: [{ ...(phase.rows[0] as PhaseResult['rows'][number]), result: result(10, 1, 1) }],
};

const report: BenchReport = {
  version: 1,
  startedAt: '2026-12-03T06:30:00.000Z',
  finishedAt: '2026-12-03T06:31:00.000Z',
  machine: { cpus: 2, cpuModel: 'test CPU', memoryGiB: 4, node: 'v20.0.0', platform: 'linux' },
  settings: {
    database: 'PostgreSQL',
    articles: 10_000,
    users: 500,
    durationSeconds: 10,
    connections: 16,
    instances: 2,
    cappedInstances: [1, 2, 3],
    instanceCpu: 0.4,
    sizeArticles: [10_000, 1_000_000],
  },
  phases: [phase, { ...phase, phase: 'size', title: 'Empty <phase>', rows: [] }],
  skipped: [{ phase: 'scale', reason: 'nginx is not installed' }],
};

describe('bench options', () => {
  it('defaults to every phase, 10 s, 16 connections and sizes of 10k and 1M', () => {
    const options = parseOptions([]);
    expect(options.phases).toEqual([...PHASES]);
    expect(options).toMatchObject({ durationSeconds: 10, connections: 16, articles: 10_000 });
    expect(options.rounds).toBe(1);
    expect(options.users).toBe(500);
    expect(options.sizeArticles).toEqual([10_000, 1_000_000]);
    expect(options).toMatchObject({ cappedInstances: [1, 2, 3], instanceCpu: 0.4 });
  });

  it('keeps the phases in their own order, and reads 1_000_000 as a number', () => {
    const options = parseOptions(['--phases', 'size,paths', '--size-articles', '1_000_000']);
    expect(options.phases).toEqual(['paths', 'size']);
    expect(options.sizeArticles).toEqual([1_000_000]);
  });

  it.each([
    [['--phases', 'paths,speed'], /unknown phase "speed"/],
    [['--duration', '0'], /--duration must be a whole number >= 1, got "0"/],
    [['--connections', 'many'], /--connections must be a whole number/],
    [['--rounds', '0'], /--rounds must be a whole number >= 1, got "0"/],
    [['--instances', '1'], /--instances must be a whole number >= 2/],
    [['--database-url', 'mysql://x'], /--database-url must be a postgres/],
    [['--bogus'], /bogus/],
    [['--instance-cpu', '0'], /--instance-cpu must be a number of cores from 0.01 to 64, got "0"/],
    [['--capped-instances', '1,two'], /--capped-instances must be a whole number/],
  ])('refuses %j, naming the option', (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(UsageError);
    expect(() => parseOptions(argv)).toThrow(message);
  });

  it('estimates more time for a longer run and for a larger size phase', () => {
    const short = parseOptions(['--duration', '2']);
    const long = parseOptions(['--duration', '20']);
    expect(estimateSeconds(['paths'], long)).toBeGreaterThan(estimateSeconds(['paths'], short));
    const small = parseOptions(['--size-articles', '10000']);
    expect(estimateSeconds(['size'], parseOptions([]))).toBeGreaterThan(
      estimateSeconds(['size'], small),
    );
  });

  it('counts the hosts phase as four variants of six reads and the write load, seeding apart', () => {
    const options = parseOptions(['--phases', 'hosts', '--duration', '2']);
    expect(options.phases).toEqual(['hosts']);
    expect(measurementCount('hosts', options)).toBe(25);
    expect(measurementCount('hosts', { ...options, endpoints: ['comment.list'] })).toBe(5);
    // It seeds its own database: more articles take longer.
    const larger = parseOptions(['--phases', 'hosts', '--duration', '2', '--articles', '60000']);
    expect(estimateSeconds(['hosts'], larger)).toBeGreaterThan(
      estimateSeconds(['hosts'], options) + 20,
    );
  });
});

describe('bench figures', () => {
  it('takes exact percentiles from the sorted latencies', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(51);
    expect(percentile(sorted, 99)).toBe(100);
    expect(percentile(new Float64Array(), 50)).toBeNaN();
  });

  it('prints a row per endpoint and variant, with the ratio to the first variant', () => {
    const lines = formatTable(phase).split('\n');
    expect(lines.slice(0, 2)).toEqual([phase.title, phase.subtitle]);
    const header = lines[3] ?? '';
    expect(header.split(/\s{2,}/)).toEqual([
      'endpoint',
      'variant',
      'req/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'errors',
      'vs cache off',
      'cpu busy/cores: by process',
    ]);
    const rows = lines.slice(4, 8).map((line) => line.split(/\s{2,}/));
    expect(rows[0]).toEqual([
      'article.get',
      'cache off',
      '1,000',
      '2.0',
      '5.0',
      '10.0',
      '0',
      '1.00×',
    ]);
    expect(rows[1]).toEqual([
      'article.get',
      'cache on',
      '2,500',
      '2.0',
      '5.0',
      '4.0',
      '0',
      '2.50×',
    ]);
    expect(rows[3]).toEqual([
      'tag.list',
      'cache on',
      '3,000',
      '2.0',
      '5.0',
      '3.0',
      '7',
      '7.50×',
      '2.0/2: gen 0.8 srv 0.9 db 0.2 ngx 0.0',
    ]);
    expect(lines.at(-1)).toBe('- seeded in 4.2 s');
  });

  it('draws one bar per measurement, as long as its req/s on the panel scale', () => {
    const svg = renderChart(report);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const bars = [...svg.matchAll(/<rect class="bar"([^>]*)>/g)].map((match) => {
      const attribute = (name: string) => match[1]?.match(new RegExp(`${name}="([^"]*)"`))?.[1];
      return {
        endpoint: attribute('data-endpoint'),
        variant: attribute('data-variant'),
        width: Number(attribute('width')),
      };
    });
    expect(bars.map((bar) => `${bar.endpoint}/${bar.variant}`)).toEqual(
      phase.rows.map((row) => `${row.endpoint}/${row.variant}`),
    );
    const scale = niceScale(3000);
    for (const [i, bar] of bars.entries()) {
      const expected = ((phase.rows[i]?.result.requestsPerSecond ?? 0) / scale.max) * PLOT_WIDTH;
      expect(bar.width).toBeCloseTo(expected, 0);
    }
    // Errors show in red; the empty phase draws no panel; a skipped phase is said in the header.
    expect(svg).toContain('7 errors');
    expect(renderChart({ ...report, phases: [withOneError] })).toContain('· 1 error<');
    expect(svg).not.toContain('Empty');
    expect(svg).toContain('scale skipped: nginx is not installed');
    const height = Number(svg.match(/height="(\d+)"/)?.[1]);
    expect(height).toBeGreaterThan(LAYOUT.headerHeight);
  });

  it('escapes what it writes into the SVG, and balances its elements', () => {
    const risky = {
      ...report,
      phases: [
        {
          ...phase,
          rows: phase.rows.map((row) => ({ ...row, endpoint: `<${row.endpoint} & "x">` })),
        },
      ],
    };
    const svg = renderChart(risky);
    expect(svg).toContain('&lt;article.get &amp; &quot;x&quot;&gt;');
    expect(svg).not.toContain('<article.get');
    // Every opened element is closed: a crude but dependency-free well-formedness check.
    const tags = [...svg.matchAll(/<(\/?)([a-z]+)[^>]*?(\/?)>/g)];
    const stack: string[] = [];
    for (const [, closing, name, selfClosing] of tags) {
      if (selfClosing) continue;
      if (closing) expect(stack.pop()).toBe(name);
      else stack.push(name ?? '');
    }
    expect(stack).toEqual([]);
  });

  it('rounds the axis up to a tick of 1, 2, 2.5 or 5 × 10^k', () => {
    expect(niceScale(3000)).toEqual({ max: 3000, step: 1000 });
    expect(niceScale(1234)).toEqual({ max: 1250, step: 250 });
    expect(niceScale(0)).toEqual({ max: 1, step: 0.2 });
  });

  it('names result files by time, sortable and valid everywhere', () => {
    expect(fileStamp('2026-12-03T06:30:05.123Z')).toBe('2026-12-03T06-30-05Z');
  });
});
