// Fuzzing the whole CLI with mutated fixture files (test/helpers/mutate): each
// batch of mutants is scanned by the built CLI with -j 1 and with -j 2. A batch
// fails on exit 3, a stack trace, a run past TIMEOUT_MS, or reports that differ
// between the two worker counts.
//
// CI runs a fixed set (EQSCHECK_FUZZ_MUTANTS, default 300, from seed
// EQSCHECK_FUZZ_SEED, default 1); any number on request, and other files to
// mutate with EQSCHECK_FUZZ_FILES (a directory, e.g. a corpus tree's arch/x86/kvm):
//   EQSCHECK_FUZZ_MUTANTS=5000 EQSCHECK_FUZZ_SEED=7 npx vitest run test/fuzz.test.ts
// A failing batch is kept on disk and named in the failure.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mutate, random } from './helpers/mutate.js';

const repo = path.join(__dirname, '..');
const bin = path.join(repo, 'bin', 'eqscheck.js');
const MUTANTS = Number(process.env['EQSCHECK_FUZZ_MUTANTS'] ?? 300);
const SEED = Number(process.env['EQSCHECK_FUZZ_SEED'] ?? 1);
const BATCH = 50;
const TIMEOUT_MS = 60_000;

function sourcesIn(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && /\.[ch]$/.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

const sources = process.env['EQSCHECK_FUZZ_FILES'] ? sourcesIn(process.env['EQSCHECK_FUZZ_FILES'])
  : sourcesIn(path.join(repo, 'fixtures', 'cases')).concat(sourcesIn(path.join(repo, 'fixtures', 'examples')));

interface Outcome { code: number | null; stdout: string; stderr: string; timedOut: boolean }

function scan(dir: string, jobs: number, cacheDir: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'scan', '-f', 'json', '-j', String(jobs), '--no-cache', dir],
      { env: { ...process.env, XDG_CACHE_HOME: cacheDir } });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr, timedOut }); });
  });
}

/** What is wrong with a run, or null. */
function problem(o: Outcome, jobs: number): string | null {
  if (o.timedOut) return `-j ${jobs}: still running after ${TIMEOUT_MS / 1000} s`;
  if (o.code === 3 || o.code === null) return `-j ${jobs}: exit ${o.code}: ${o.stderr.slice(0, 2000)}`;
  if (/internal error|\n\s+at \S+ \(/.test(o.stderr)) return `-j ${jobs}: a stack trace on stderr: ${o.stderr.slice(0, 2000)}`;
  if (o.code !== 0 && o.code !== 1 && o.code !== 2) return `-j ${jobs}: exit ${o.code}`;
  return null;
}

describe(`fuzz: ${MUTANTS} mutants of ${sources.length} files, seed ${SEED}`, () => {
  const batches = Math.ceil(MUTANTS / BATCH);
  const rand = random(SEED);
  // Every batch's mutants are made up front, in order: a batch's content depends
  // on the seed only, not on which batches run.
  const made: { name: string; bytes: Buffer; applied: string[] }[][] = [];
  for (let b = 0; b < batches; b++) {
    const batch = [];
    for (let i = b * BATCH; i < Math.min(MUTANTS, (b + 1) * BATCH); i++) {
      const source = sources[Math.floor(rand() * sources.length)]!;
      const { bytes, applied } = mutate(readFileSync(source), rand);
      batch.push({ name: `m${String(i).padStart(5, '0')}-${path.basename(source)}`, bytes, applied });
    }
    made.push(batch);
  }

  for (let b = 0; b < batches; b++) {
    it(`batch ${b + 1} of ${batches}: no crash, no hang, the same report with -j 1 and -j 2`, async () => {
      if (!existsSync(path.join(repo, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: build with `npx tsc -p .` first');
      const root = mkdtempSync(path.join(os.tmpdir(), `eqscheck-fuzz-${SEED}-${b}-`));
      const dir = path.join(root, 'tree');
      mkdirSync(dir);
      for (const m of made[b]!) writeFileSync(path.join(dir, m.name), m.bytes);
      writeFileSync(path.join(root, 'mutations.txt'), made[b]!.map((m) => `${m.name}: ${m.applied.join(', ')}`).join('\n') + '\n');
      const cacheDir = path.join(root, 'cache');
      const one = await scan(dir, 1, cacheDir);
      const two = await scan(dir, 2, cacheDir);
      const problems = [problem(one, 1), problem(two, 2)].filter(Boolean);
      if (!problems.length && one.stdout !== two.stdout) problems.push('the -j 1 and -j 2 reports differ');
      if (!problems.length && one.code !== two.code) problems.push(`exit ${one.code} with -j 1, ${two.code} with -j 2`);
      if (problems.length) throw new Error(`batch kept in ${root} (see mutations.txt):\n${problems.join('\n')}`);
      rmSync(root, { recursive: true, force: true });
      expect(one.stdout.length).toBeGreaterThan(0);
    }, 3 * TIMEOUT_MS);
  }
});
