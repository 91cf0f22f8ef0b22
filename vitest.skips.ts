import type { Reporter, TestModule } from 'vitest/node';

declare module 'vitest' {
  interface TaskMeta {
    /** Why the suite or test is skipped when it is: `{ meta: { skipReason: '…' } }` on it. */
    skipReason?: string;
  }
}

/**
 * Ends every run with the tests that did not run and why, counted per reason: a suite skipped for
 * want of PostgreSQL, Redis, nginx or Chromium says so in the summary instead of being one more
 * "skipped" in a count. Reasons come from `ctx.skip(note)` or from the `skipReason` meta of the
 * test or a suite around it; a skip with neither is listed as giving no reason, by file.
 */
export class SkipSummary implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const byReason = new Map<string, { count: number; files: Set<string> }>();
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state !== 'skipped') continue;
        const reason = result.note ?? test.meta().skipReason ?? 'no reason given';
        const entry = byReason.get(reason) ?? { count: 0, files: new Set<string>() };
        entry.count += 1;
        entry.files.add(module.relativeModuleId);
        byReason.set(reason, entry);
      }
    }
    if (byReason.size === 0) return;
    const total = [...byReason.values()].reduce((sum, { count }) => sum + count, 0);
    const lines = [`\nSkipped ${total} test${total === 1 ? '' : 's'}, and why:`];
    const reasons = [...byReason].sort((a, b) => b[1].count - a[1].count);
    for (const [reason, { count, files }] of reasons) {
      lines.push(`  ${String(count).padStart(4)}  ${reason}  (${[...files].sort().join(', ')})`);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
