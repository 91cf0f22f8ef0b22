// The run as one SVG chart, written by hand (no dependency): a panel per phase, and in each a
// group of horizontal bars per endpoint, one bar per variant, length = req/s on the panel's own
// scale, labelled with req/s and p99. Readable as a file, in a browser or embedded in Markdown.

import { formatCpu } from './cpu';
import type { BenchReport, PhaseResult } from './results';
import { endpointOrder, formatMs, formatRate } from './table';

/** Okabe–Ito: distinguishable with the common colour-vision deficiencies. */
export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#F0E442',
];

export const LAYOUT = {
  width: 980,
  margin: 24,
  /** Endpoint names, right-aligned against the plot. */
  labelWidth: 210,
  /** Room right of the longest bar for its value label. */
  valueWidth: 220,
  barHeight: 14,
  barGap: 3,
  groupGap: 12,
  headerHeight: 72,
  panelGap: 28,
} as const;

/** The plot area's width, which the panel's largest tick spans. */
export const PLOT_WIDTH = LAYOUT.width - 2 * LAYOUT.margin - LAYOUT.labelWidth - LAYOUT.valueWidth;

export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** A round axis: ticks at 1, 2, 2.5 or 5 × 10^k, the last one at or above `max`. */
export function niceScale(max: number, ticks = 5): { max: number; step: number } {
  if (!(max > 0)) return { max: 1, step: 0.2 };
  const rough = max / ticks;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * power >= rough) ?? 10) * power;
  return { max: Math.ceil(max / step - 1e-9) * step, step };
}

const n = (value: number) => Number(value.toFixed(1)).toString();

/** A rough text width for laying out the legend (no font metrics in here). */
const textWidth = (text: string, size = 12) => text.length * size * 0.58;

export function renderChart(report: BenchReport): string {
  const { width, margin } = LAYOUT;
  const parts: string[] = [];
  let y = LAYOUT.headerHeight;
  const panels = report.phases.filter((phase) => phase.rows.length > 0);
  for (const phase of panels) {
    const panel = renderPanel(phase, y);
    parts.push(panel.svg);
    y += panel.height + LAYOUT.panelGap;
  }
  if (panels.length === 0) {
    parts.push(text(margin, y + 20, 'No measurements in this run.', { fill: '#555' }));
    y += 40;
  }
  const height = Math.ceil(y);
  const { settings, machine } = report;
  const skipped = report.skipped.map((s) => `${s.phase} skipped: ${s.reason}`).join('; ');
  const header = [
    text(
      margin,
      32,
      `Conduit — pnpm bench, ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC`,
      {
        size: 20,
        weight: 'bold',
      },
    ),
    text(
      margin,
      52,
      `${settings.database}, ${settings.connections} connections, ${settings.durationSeconds} s per measurement` +
        (settings.pinned ? `, server pinned to core ${settings.pinned.server}` : '') +
        `; ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}`,
      { size: 12, fill: '#444' },
    ),
    skipped ? text(margin, 67, skipped, { size: 11, fill: '#777' }) : '',
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" role="img">`,
    `<title>${escapeXml(`Conduit benchmark ${report.startedAt}`)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...header,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

function renderPanel(phase: PhaseResult, top: number): { svg: string; height: number } {
  const { margin, labelWidth, barHeight, barGap, groupGap } = LAYOUT;
  const plotX = margin + labelWidth;
  const out: string[] = [`<g class="panel" data-phase="${escapeXml(phase.phase)}">`];
  out.push(text(margin, top + 20, phase.title, { size: 15, weight: 'bold' }));
  out.push(text(margin, top + 38, phase.subtitle, { size: 12, fill: '#555' }));

  // Legend, wrapped to the chart's width.
  let lx = margin;
  let ly = top + 52;
  phase.variants.forEach((variant, i) => {
    const w = 18 + textWidth(variant) + 18;
    if (lx + w > LAYOUT.width - margin && lx > margin) {
      lx = margin;
      ly += 18;
    }
    out.push(
      `<rect class="legend" x="${n(lx)}" y="${n(ly)}" width="12" height="12" fill="${colour(i)}"/>`,
      text(lx + 18, ly + 10.5, variant, { size: 12 }),
    );
    lx += w;
  });

  const plotTop = ly + 28;
  const endpoints = endpointOrder(phase);
  const scale = niceScale(Math.max(0, ...phase.rows.map((row) => row.result.requestsPerSecond)));
  const x = (value: number) => plotX + (value / scale.max) * PLOT_WIDTH;
  const groupHeight =
    phase.variants.length * barHeight + Math.max(0, phase.variants.length - 1) * barGap;
  const plotBottom = plotTop + endpoints.length * (groupHeight + groupGap) - groupGap + 6;

  // Grid and ticks first, bars over them.
  for (let tick = 0; tick <= scale.max + 1e-9; tick += scale.step) {
    const tx = x(tick);
    out.push(
      `<line x1="${n(tx)}" y1="${n(plotTop - 6)}" x2="${n(tx)}" y2="${n(plotBottom)}" stroke="${tick === 0 ? '#999' : '#e4e4e4'}"/>`,
      text(tx, plotBottom + 15, formatRate(tick), { size: 11, fill: '#555', anchor: 'middle' }),
    );
  }
  out.push(
    `<line x1="${n(plotX)}" y1="${n(plotBottom)}" x2="${n(plotX + PLOT_WIDTH)}" y2="${n(plotBottom)}" stroke="#999"/>`,
    text(
      plotX + PLOT_WIDTH / 2,
      plotBottom + 33,
      'requests per second (longer is better); labels: req/s · p99 latency',
      {
        size: 12,
        fill: '#333',
        anchor: 'middle',
      },
    ),
  );

  endpoints.forEach((endpoint, g) => {
    const groupTop = plotTop + g * (groupHeight + groupGap);
    out.push(
      text(plotX - 8, groupTop + groupHeight / 2 + 4, endpoint, { size: 12, anchor: 'end' }),
    );
    phase.variants.forEach((variant, v) => {
      const row = phase.rows.find((r) => r.endpoint === endpoint && r.variant === variant);
      if (!row) return;
      const { result } = row;
      const by = groupTop + v * (barHeight + barGap);
      const bw = Math.max(0, x(result.requestsPerSecond) - plotX);
      const errors = result.errors + result.non2xx;
      const tooltip =
        `${endpoint} — ${variant}: ${formatRate(result.requestsPerSecond)} req/s, ` +
        `p50 ${formatMs(result.p50)} / p95 ${formatMs(result.p95)} / p99 ${formatMs(result.p99)} ms` +
        (errors > 0 ? `, ${errorCount(errors)}` : '') +
        (row.cpu ? `; cpu ${formatCpu(row.cpu)}` : '');
      out.push(
        `<rect class="bar" data-endpoint="${escapeXml(endpoint)}" data-variant="${escapeXml(variant)}" data-rps="${n(result.requestsPerSecond)}" x="${n(plotX)}" y="${n(by)}" width="${n(bw)}" height="${barHeight}" fill="${colour(v)}"><title>${escapeXml(tooltip)}</title></rect>`,
        text(
          plotX + bw + 6,
          by + barHeight - 3,
          `${formatRate(result.requestsPerSecond)} req/s · p99 ${formatMs(result.p99)} ms` +
            (errors > 0 ? ` · ${errorCount(errors)}` : ''),
          { size: 11, fill: errors > 0 ? '#c00' : '#222' },
        ),
      );
    });
  });
  out.push('</g>');
  return { svg: out.join('\n'), height: plotBottom + 40 - top };
}

const errorCount = (errors: number) => `${formatRate(errors)} ${errors === 1 ? 'error' : 'errors'}`;

function colour(index: number): string {
  return PALETTE[index % PALETTE.length] as string;
}

function text(
  x: number,
  y: number,
  content: string,
  style: {
    size?: number;
    weight?: 'bold';
    fill?: string;
    anchor?: 'start' | 'middle' | 'end';
  } = {},
): string {
  const attributes = [
    `x="${n(x)}"`,
    `y="${n(y)}"`,
    `font-size="${style.size ?? 12}"`,
    style.weight ? `font-weight="${style.weight}"` : '',
    style.fill ? `fill="${style.fill}"` : '',
    style.anchor && style.anchor !== 'start' ? `text-anchor="${style.anchor}"` : '',
  ].filter(Boolean);
  return `<text ${attributes.join(' ')}>${escapeXml(content)}</text>`;
}
