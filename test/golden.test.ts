// Golden reports: what a reviewer reads. Each fixture unit's text report, exactly
// as `eqscheck scan <unit> [its eqscheck-args] --no-cache` prints it from the
// repository root (plain text: findings, witness paths, notes, summary lines), is
// kept in fixtures/golden/<unit>.expected and compared byte for byte, so that a
// change of any message or path shows up as a diff of those files to review.
//
//   UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts    rewrites them (and
//   removes the goldens of units that are gone); then review
//   `git diff --word-diff fixtures/golden` (README, Tests: what the lines mean).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FIXTURES_DIR, REPO_DIR, fixtureUnits, scanArgs, type FixtureUnit } from './helpers/fixture-units.js';
import { run } from './helpers/kernel-tree.js';

const GOLDEN_DIR = path.join(FIXTURES_DIR, 'golden');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';
const REGENERATE = 'UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts';

const units = fixtureUnits();
const goldenOf = (unit: FixtureUnit): string => path.join(GOLDEN_DIR, `${unit.name}.expected`);
const command = (unit: FixtureUnit): string => ['eqscheck', ...scanArgs(unit), '--no-cache'].join(' ');
const changed: string[] = [];

beforeAll(() => {
  // Reports name files relative to the current directory: goldens are written from the root.
  if (process.cwd() !== REPO_DIR) throw new Error(`run the golden tests from the repository root (${REPO_DIR}), not ${process.cwd()}`);
  vi.stubEnv('NO_COLOR', '1');
});

afterAll(() => {
  vi.unstubAllEnvs();
  if (UPDATE) console.log(changed.length ? `golden reports rewritten or removed:\n  ${changed.join('\n  ')}\nreview: git diff --stat fixtures/golden; git diff --word-diff fixtures/golden` : 'golden reports: no change');
});

describe('golden reports', () => {
  it.each(units.map((u) => [u.name, u] as const))('%s', async (_name, unit) => {
    const { code, stdout, stderr } = await run([...scanArgs(unit), '--no-cache']);
    expect(stderr).toBe('');
    expect([0, 1], 'exit status: 0 clean, 1 findings').toContain(code);
    const file = goldenOf(unit);
    const golden = existsSync(file) ? readFileSync(file, 'utf8') : null;
    if (UPDATE) {
      if (golden !== stdout) {
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, stdout);
        changed.push(path.relative(REPO_DIR, file));
      }
      return;
    }
    if (golden === null) expect.fail(`no golden report ${path.relative(REPO_DIR, file)}: write it with ${REGENERATE}, then review it`);
    expect(stdout, `\`${command(unit)}\` no longer prints ${path.relative(REPO_DIR, file)}; if the change is intended: ${REGENERATE}`).toBe(golden);
  });

  it('every golden report belongs to a fixture unit', () => {
    const wanted = new Set(units.map(goldenOf));
    const stray = (readdirSync(GOLDEN_DIR, { recursive: true }) as string[])
      .map((f) => path.join(GOLDEN_DIR, f)).filter((f) => f.endsWith('.expected') && !wanted.has(f)).sort();
    if (UPDATE) {
      for (const f of stray) rmSync(f);
      changed.push(...stray.map((f) => `${path.relative(REPO_DIR, f)} (removed)`));
      return;
    }
    expect(stray.map((f) => path.relative(REPO_DIR, f)), `golden reports of units that are gone: remove them with ${REGENERATE}`).toEqual([]);
  });
});

// The reports above come from the CLI in this process (TypeScript sources, no
// worker threads). The built CLI, run as a user runs it, with worker threads,
// prints the same bytes (checked here on the bundled example; workers.test.ts
// checks the whole fixture directory's SARIF with 1, 2 and 3 workers).
const built = existsSync(path.join(REPO_DIR, 'dist', 'analysis', 'worker.js'));

describe.runIf(built)('golden reports from the built CLI', () => {
  it('examples, with 2 worker threads', async () => {
    const unit = units.find((u) => u.name === 'examples')!;
    const scan = promisify(execFile)(process.execPath, [path.join(REPO_DIR, 'bin', 'eqscheck.js'), ...scanArgs(unit), '--no-cache', '--jobs', '2'],
      { cwd: REPO_DIR, env: { ...process.env, NO_COLOR: '1' } });
    // Findings: exit status 1, which execFile reports as an error carrying the output.
    const { stdout } = await scan.catch((err: { code?: number; stdout?: string }) => {
      if (err.code === 1 && err.stdout !== undefined) return { stdout: err.stdout };
      throw err;
    });
    expect(stdout, 'the built CLI (dist/: npm run build) prints the golden report').toBe(readFileSync(goldenOf(unit), 'utf8'));
  });
});
