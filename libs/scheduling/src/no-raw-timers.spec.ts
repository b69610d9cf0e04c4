import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

/** Where a raw timer may still be armed, and why. */
const ALLOWED = [
  'libs/scheduling/', // the one place that arms timers
  'libs/realtime/src/stream-hub.ts', // the hub's adaptive refresh loop (per-feed, re-armed each refresh)
];

const RAW_TIMER = /\b(setTimeout|setInterval)\s*\(|from ['"](node:)?timers(\/promises)?['"]/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'testing' ? [] : sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('hand-written timers', () => {
  it('are armed only through @app/scheduling (apart from the allowed places)', () => {
    const offenders: string[] = [];
    for (const file of [...sources(join(ROOT, 'apps')), ...sources(join(ROOT, 'libs'))]) {
      const path = relative(ROOT, file).split(sep).join('/');
      if (ALLOWED.some((allowed) => path.startsWith(allowed))) continue;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, index) => {
          if (RAW_TIMER.test(line)) offenders.push(`${path}:${index + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });

  it('would catch one', () => {
    expect(RAW_TIMER.test('    this.timer = setTimeout(() => run(), 10);')).toBe(true);
    expect(RAW_TIMER.test("import { setTimeout as sleep } from 'node:timers/promises';")).toBe(true);
    expect(RAW_TIMER.test('    this.timer = this.jobs.after(name, 10, run);')).toBe(false);
  });
});
