// `npm run bench`: eqscheck on the corpus trees (default scope; --all too with
// BENCH_ALL=1; the 5.15 tree of bench/corpus-5.15.sh when present, default scope), side by side with tree-sitter's raw parse of the same files and
// with Coccinelle's spatch running our tailored rule on the same directories
// (when spatch is installed). Prints a Markdown table for bench/RESULTS.md.
//
// Each tree is scanned as a hard-linked copy (cp -al, so the corpus is never
// written) with a fresh cache directory:
//   cold    empty cache (the run fills it), default worker count
//   warm    the same scan again, nothing changed
//   edited  one file replaced by a copy with a comment line added inside a
//           function body, then the scan again: arch/arm64/kvm/arm.c (one arch
//           re-analysed), then arch/x86/kvm/x86.c (x86, most of the analysis)
//   1 job   cold, no cache, no worker threads
//   no pre-filter  cold, no cache, every file parsed and every function built
// Findings must be identical across all of them (checked; a mismatch fails the bench).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const corpus = process.env.EQSCHECK_CORPUS ?? path.join(os.homedir(), '.cache', 'eqscheck', 'corpus');
const scopes = process.env.BENCH_ALL ? ['default', '--all'] : ['default'];
const EDITED = ['arch/arm64/kvm/arm.c', 'arch/x86/kvm/x86.c'];

/** One measured run; null when it fails or passes the time limit (a whole tree can). */
const LIMIT_S = Number(process.env.BENCH_LIMIT_S ?? 900);
const runJson = (script, args) => {
  try {
    return JSON.parse(execFileSync(process.execPath, ['--max-old-space-size=16000', path.join(here, script), ...args],
      { encoding: 'utf8', maxBuffer: 1 << 26, timeout: LIMIT_S * 1000, stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop());
  } catch (err) {
    console.error(`bench: ${script} ${args.join(' ')}: did not finish (${err.signal ? `stopped after ${LIMIT_S} s` : String(err.message).split('\n')[0]})`);
    return null;
  }
};

/** Adds a comment line after the first line that opens a function body. */
function editOneFile(tree, name) {
  const file = path.join(tree, name);
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf('\n{\n') + 3;
  rmSync(file); // a hard link: write a new file, never through the link
  writeFileSync(file, `${text.slice(0, at)}\t/* eqscheck bench: one edited line */\n${text.slice(at)}`);
}

const rows = [];
let mismatch = false;
// The pre-fix 5.15 tree (bench/corpus-5.15.sh) is measured when it is there.
const TREES = [['5.15', 'linux-5.15-prefix', false], ['6.1', 'linux-source-6.1', true], ['6.12', 'linux-source-6.12', true]];
for (const [version, dir, required] of TREES) {
  const source = path.join(corpus, dir);
  if (!existsSync(path.join(source, 'Makefile'))) {
    if (required) { console.error(`bench: ${source} missing (run npm run corpus)`); process.exitCode = 2; }
    continue;
  }
  for (const scope of required ? scopes : ['default']) {
    const scopeArgs = scope === '--all' ? ['--all'] : [];
    const work = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-bench-'));
    try {
      const tree = path.join(work, 'tree');
      execFileSync('cp', ['-al', source, tree]);
      const cache = path.join(work, 'cache');
      const raw = runJson('run-raw-parse.mjs', [tree, ...scopeArgs]);
      const cold = runJson('run-scan.mjs', [tree, ...scopeArgs, '--cache', cache]);
      if (!cold || !raw || cold.refused) {
        rows.push({ version, scope, failed: true, raw, cold, spatch: runJson('spatch-bench.mjs', [tree, ...scopeArgs]) });
        continue;
      }
      const warm = runJson('run-scan.mjs', [tree, ...scopeArgs, '--cache', cache]);
      const oneJob = runJson('run-scan.mjs', [tree, ...scopeArgs, '--jobs', '1']);
      const noPrefilter = scope === '--all' ? null : runJson('run-scan.mjs', [tree, ...scopeArgs, '--no-prefilter']);
      // Each edit's rescan must find what a scan without the cache finds.
      const edited = EDITED.map((name) => {
        editOneFile(tree, name);
        const withCache = runJson('run-scan.mjs', [tree, ...scopeArgs, '--cache', cache]);
        const without = runJson('run-scan.mjs', [tree, ...scopeArgs]);
        return { result: withCache, same: !withCache || !without || withCache.findingsHash === without.findingsHash };
      });
      const spatch = runJson('spatch-bench.mjs', [tree, ...scopeArgs]);
      const same = [warm, oneJob, noPrefilter].every((r) => !r || r.findingsHash === cold.findingsHash) && edited.every((e) => e.same);
      if (!same) mismatch = true;
      rows.push({ version, scope, raw, cold, warm, oneJob, noPrefilter, edited, spatch, same });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
}

const s = (x) => x.toFixed(2);
const pct = (x, of) => `${s(x)} (${Math.round((100 * x) / of)}%)`;
console.log('| tree | scope | files read / parsed | functions built | findings | raw parse s | cold s | cold / raw | warm s | edited s: arm64 file / x86 file | 1 job s | no pre-filter s | peak RSS MB | spatch s | same findings |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
const t = (r, f) => (r ? f(r) : 'did not finish');
const spatchCell = (sp) => (!sp ? 'did not finish' : sp.missing ? 'not installed' : `${s(sp.seconds)} (${sp.reports} reports)`);
for (const r of rows) {
  if (r.failed) {
    const why = r.cold?.refused
      ? `refused after ${s(r.cold.seconds)} s: ${r.cold.needed} functions to analyse in ${r.cold.filesToParse} files`
      : `did not finish (limit ${LIMIT_S} s or out of memory)`;
    console.log(`| ${r.version} | ${r.scope} | ${r.cold?.files ?? '-'} / - | - | - | ${r.raw ? s(r.raw.seconds) : 'did not finish'} | ${why} | - | - | - | - | - | ` +
      `${r.cold ? r.cold.peakRssMB.toFixed(0) : '-'} | ${spatchCell(r.spatch)} | - |`);
    continue;
  }
  const findings = Object.entries(r.cold.byRule).map(([k, n]) => `${n} ${k}`).join(', ') || '0';
  console.log(`| ${r.version} | ${r.scope} | ${r.cold.files} / ${r.cold.filesParsed} | ${r.cold.functions} | ${findings} | ` +
    `${s(r.raw.seconds)} | ${s(r.cold.seconds)} | ${s(r.cold.seconds / r.raw.seconds)}x | ${t(r.warm, (w) => pct(w.seconds, r.cold.seconds))} | ` +
    `${r.edited.map((e) => t(e.result, (x) => pct(x.seconds, r.cold.seconds))).join(' / ')} | ${t(r.oneJob, (o) => s(o.seconds))} | ${r.noPrefilter ? s(r.noPrefilter.seconds) : '-'} | ` +
    `${r.cold.peakRssMB.toFixed(0)} | ${spatchCell(r.spatch)} | ${r.same ? 'yes' : 'NO'} |`);
}
console.log(`\n${os.availableParallelism()} cores, Node ${process.version}; raw parse: one thread, tree-sitter only, the scope's .c/.h files.`);
if (mismatch) { console.error('bench: findings differ between runs that must agree'); process.exitCode = 1; }
