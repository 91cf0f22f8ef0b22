import { describe, expect, it } from 'vitest';
import { parseSeedArgs } from './args';
import { formatProgress, ProgressReporter } from './progress';

describe('parseSeedArgs', () => {
  it('falls back to the defaults', () => {
    expect(parseSeedArgs([])).toEqual({
      ok: true,
      options: { users: 200, articles: 1000, seed: 42, ifEmpty: false, help: false },
    });
  });

  it('reads every option, in both spellings', () => {
    expect(
      parseSeedArgs(['--users', '5', '--articles=7', '--seed', '0', '--if-empty', '-h']),
    ).toEqual({
      ok: true,
      options: { users: 5, articles: 7, seed: 0, ifEmpty: true, help: true },
    });
  });

  it.each([
    [['--users', 'abc'], "--users must be a whole number >= 0, got 'abc'"],
    [['--articles', '-5'], 'option --articles needs a value'],
    [['--articles=-5'], "--articles must be a whole number >= 0, got '-5'"],
    [['--seed', '1.5'], "--seed must be a whole number >= 0, got '1.5'"],
    [['--users='], "--users must be a whole number >= 0, got ''"],
    [['--users', '99999999'], '--users must be at most 1,000,000, got 99999999'],
    [['--user', '5'], 'unknown option --user (see --help)'],
    [['--users'], 'option --users needs a value'],
    [['--if-empty=yes'], 'option --if-empty takes no value'],
    [['now'], "unexpected argument 'now' (options start with --; see --help)"],
    [['--users', '0'], '--users must be at least 1 when there are articles to write'],
  ])('refuses %j with one line naming the option', (argv, error) => {
    expect(parseSeedArgs(argv)).toEqual({ ok: false, error });
  });
});

describe('progress', () => {
  it('formats a bar with counts and rate', () => {
    expect(formatProgress(45_000, 100_000, 12_345.6)).toBe(
      '[#########...........]  45% 45,000/100,000 articles  12,346 rows/s',
    );
  });

  it('redraws in place on a terminal at most ten times a second, always at the end', () => {
    let now = 0;
    const written: string[] = [];
    const reporter = new ProgressReporter(
      { isTTY: true, write: (text) => written.push(text) },
      () => now,
    );
    for (let done = 1; done <= 10; done++) {
      now += 20;
      reporter.update(done, 10, done * 100);
    }
    reporter.finish();
    expect(written.length).toBe(4);
    expect(written[0]?.startsWith('\r[')).toBe(true);
    expect(written.at(-2)).toContain('100% 10/10 articles');
    expect(written.at(-1)).toBe('\n');
  });

  it('writes whole lines, now and then, when not on a terminal', () => {
    let now = 0;
    const written: string[] = [];
    const reporter = new ProgressReporter({ write: (text) => written.push(text) }, () => now);
    for (let done = 1; done <= 10; done++) {
      now += 1_000;
      reporter.update(done, 10, done);
    }
    reporter.finish();
    expect(written.every((line) => line.endsWith('\n') && !line.includes('\r'))).toBe(true);
    expect(written.length).toBe(4);
  });
});
