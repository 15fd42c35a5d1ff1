// `npm run bench`: scans the corpus trees (default scope; --all with BENCH_ALL=1)
// and prints a Markdown table for bench/RESULTS.md: files, MB, functions, share not
// fully parsed, findings per rule, wall time, peak RSS, and the ratio to
// tree-sitter's raw parse of the same files measured in the same run.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const corpus = process.env.EQSCHECK_CORPUS ?? path.join(os.homedir(), '.cache', 'eqscheck', 'corpus');
const scopes = process.env.BENCH_ALL ? ['default', '--all'] : ['default'];
const run = (script, tree, scope) => JSON.parse(execFileSync(process.execPath,
  ['--max-old-space-size=16000', path.join(here, script), tree, ...(scope === '--all' ? ['--all'] : [])],
  { encoding: 'utf8', maxBuffer: 1 << 26 }).trim().split('\n').pop());

console.log(`| tree | scope | files | MB | functions | not fully parsed | findings | wall s | peak RSS MB | raw parse s | ratio |`);
console.log(`|---|---|---|---|---|---|---|---|---|---|---|`);
for (const version of ['6.1', '6.12']) {
  const tree = path.join(corpus, `linux-source-${version}`);
  if (!existsSync(path.join(tree, 'Makefile'))) { console.error(`bench: ${tree} missing (run npm run corpus)`); process.exitCode = 2; continue; }
  for (const scope of scopes) {
    const raw = run('run-raw-parse.mjs', tree, scope);
    const scan = run('run-scan.mjs', tree, scope);
    const findings = Object.entries(scan.byRule).map(([r, n]) => `${n} ${r}`).join(', ') || '0';
    console.log(`| ${version} | ${scope} | ${scan.files} | ${raw.megabytes.toFixed(1)} | ${scan.functions} | ` +
      `${(100 * scan.notFullyParsed / scan.functions).toFixed(2)}% | ${findings} | ${scan.seconds.toFixed(2)} | ` +
      `${scan.peakRssMB.toFixed(0)} | ${raw.seconds.toFixed(2)} | ${(scan.seconds / raw.seconds).toFixed(1)}x |`);
  }
}
