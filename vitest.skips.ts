// Typed by shape, not by vitest's own types: packages resolve vitest to different instances (its
// optional peers differ), and a class typed by the root's would not fit every package's config.
interface Node {
  type: string;
  name?: string;
  options?: { mode?: string };
  parent?: unknown;
}
interface SkippedCase {
  name: string;
  result(): { state: string; note?: string | undefined };
  parent: unknown;
}
interface Module {
  relativeModuleId: string;
  children: { allTests(): Iterable<SkippedCase> };
}

/**
 * Ends every run with the tests that did not run and why, counted per reason, instead of one more
 * "skipped" in a count. The reason is the test's `ctx.skip(note)`, or else the name of the skipped
 * suite around it that says what it needs (`describe.skipIf(!url)('a database outage (needs
 * TEST_DATABASE_URL)', …)`), or else the outermost skipped suite's name, or the test's.
 */
export class SkipSummary {
  onTestRunEnd(modules: ReadonlyArray<Module>): void {
    const byReason = new Map<string, { count: number; files: Set<string> }>();
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state !== 'skipped') continue;
        const reason = result.note ?? skippedSuiteReason(test) ?? test.name;
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

function skippedSuiteReason(test: SkippedCase): string | undefined {
  const skipped: string[] = [];
  for (let node = test.parent as Node; node.type === 'suite'; node = node.parent as Node) {
    if (node.options?.mode === 'skip' && node.name) skipped.push(node.name);
  }
  // A suite skipped for want of something says so in its name; a suite around it is skipped too
  // (all its tests are), but its name says less.
  return skipped.find((name) => /\((needs|skipped)\b/.test(name)) ?? skipped.at(-1);
}
