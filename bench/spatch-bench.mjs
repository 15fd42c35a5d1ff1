// Coccinelle side by side with eqscheck: spatch with our tailored rule
// (bench/cocci/irq-enabled-in-guest.cocci) on the directories eqscheck scans.
// Usage: node bench/spatch-bench.mjs TREE [--all]
//   default scope: every arch/*/kvm directory and virt/kvm of TREE (as eqscheck);
//   --all: the whole tree.
// Prints the reports (file:line: function), then ONE final line of JSON:
//   {"tool":"spatch","version":"1.1.1","seconds":N,"peakRssMB":N,"dirs":N,"reports":N}
// or {"tool":"spatch","missing":true} (exit 0) when spatch is not installed.
//
// How spatch is run, chosen for speed on the 2-core project machine:
// - one `spatch --dir D` per directory (spatch 1.1.1 keeps only the last of several
//   --dir), with spatch's default scanning: it greps the directory first and parses
//   only the files that hold the rule's tokens (an entry name and an enabling name);
// - --no-includes (the rule needs no types), headers not processed on their own
//   (no --include-headers), --very-quiet;
// - the default scope's directories run two at a time, largest first, each spatch
//   with -j 1. Measured on 6.1 (3 runs each): one after the other with -j 1 3.0-3.2 s,
//   one after the other with -j 2 2.3-2.4 s, all files as --file-groups with -j 2
//   2.4-2.5 s, two directories at a time with -j 1 1.5-1.6 s (kept; 1.6-1.8 s through
//   this script). --all is one `--dir .` with -j 2 (14.1 s against 15.4 s with -j 1:
//   most of it is spatch scanning the tree for the tokens).
// seconds: wall time of the whole run. peakRssMB: the largest peak RSS of a single
// spatch process (/usr/bin/time's %M; with -j 2 that is the largest worker, not the
// sum; two directories at a time can hold up to twice that together).
// Nothing is written into TREE: spatch runs there (for relative paths in its
// output) but without --in-place, and its temporary files go to a temp directory.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const rule = path.join(here, 'cocci', 'irq-enabled-in-guest.cocci');
const args = process.argv.slice(2);
const all = args.includes('--all');
const tree = args.find((a) => a !== '--all');
if (!tree) {
  console.error('usage: node bench/spatch-bench.mjs TREE [--all]');
  process.exit(2);
}

let version;
try {
  const out = execFileSync('spatch', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  version = /spatch version (\S+)/.exec(out)?.[1] ?? out.split('\n')[0].trim();
} catch (err) {
  if (err.code === 'ENOENT') {
    console.log(JSON.stringify({ tool: 'spatch', missing: true }));
    process.exit(0);
  }
  throw err;
}

const root = path.resolve(tree);
if (!existsSync(path.join(root, 'Makefile')) || !existsSync(path.join(root, 'arch'))) {
  console.error(`spatch-bench: ${root} is not a kernel tree`);
  process.exit(2);
}

/** Bytes of the .c files under dir: the order in which directories are started. */
function cBytes(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) n += cBytes(p);
    else if (e.isFile() && e.name.endsWith('.c')) n += statSync(p).size;
  }
  return n;
}

const dirs = all ? ['.'] : [
  ...readdirSync(path.join(root, 'arch')).sort().map((a) => `arch/${a}/kvm`),
  'virt/kvm',
].filter((d) => existsSync(path.join(root, d)) && statSync(path.join(root, d)).isDirectory());
const order = all ? dirs : [...dirs].sort((a, b) => cBytes(path.join(root, b)) - cBytes(path.join(root, a)));
const parallel = all ? 1 : 2;
const jobs = all ? 2 : 1;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-spatch-'));
const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** Peak RSS of a running process, for machines without /usr/bin/time. */
function vmHwmKB(pid) {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function runDir(dir, i) {
  const spatchArgs = ['--sp-file', rule, '--no-includes', '--very-quiet', '-j', String(jobs),
    '--tmp-dir', path.join(tmp, `par${i}`), '--dir', dir];
  const timeOut = path.join(tmp, `time${i}`);
  const [cmd, cmdArgs] = timeBin
    ? [timeBin, ['-f', '%e %M', '-o', timeOut, 'spatch', ...spatchArgs]]
    : ['spatch', spatchArgs];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, cmdArgs, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let hwm = 0;
    const poll = timeBin ? null : setInterval(() => { hwm = Math.max(hwm, vmHwmKB(child.pid)); }, 20);
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      if (poll) clearInterval(poll);
      if (code !== 0) {
        reject(new Error(`spatch --dir ${dir} exited ${code}:\n${stderr.slice(-2000)}`));
        return;
      }
      const rssKB = timeBin ? Number(readFileSync(timeOut, 'utf8').trim().split(/\s+/).pop()) : hwm;
      resolve({ dir, stdout, stderr, rssKB });
    });
  });
}

/** The reports of a context-mode (`*`) diff: each "-" line is one enabling call. */
function reportsOf(diff) {
  const out = [];
  let file = null;
  let line = 0;
  let fn = '';
  for (const l of diff.split('\n')) {
    if (l.startsWith('--- ')) { file = l.slice(4).trim().replace(/^\.\//, ''); continue; }
    if (l.startsWith('+++ ') || l.startsWith('diff ')) continue;
    const hunk = /^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@ ?(.*)$/.exec(l);
    if (hunk) {
      line = Number(hunk[1]);
      fn = /(\w+)\s*\([^(]*$/.exec(hunk[2])?.[1] ?? hunk[2].trim();
      continue;
    }
    if (file === null) continue;
    if (l.startsWith('-')) {
      out.push({ file, line, fn, code: l.slice(1).trim() });
      line++;
    } else if (l.startsWith(' ') || l === '') {
      line++;
    }
  }
  return out;
}

const started = process.hrtime.bigint();
const results = [];
let next = 0;
try {
  await Promise.all(Array.from({ length: Math.min(parallel, order.length) }, async () => {
    while (next < order.length) {
      const i = next++;
      results.push(await runDir(order[i], i));
    }
  }));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;

results.sort((a, b) => dirs.indexOf(a.dir) - dirs.indexOf(b.dir));
const reports = results.flatMap((r) => reportsOf(r.stdout));
let parsed = 0;
for (const r of results) for (const m of r.stderr.matchAll(/^(\d+) files match/gm)) parsed += Number(m[1]);
for (const r of reports) console.log(`${r.file}:${r.line}: ${r.fn}(): ${r.code} in guest context`);
console.error(`spatch-bench: ${dirs.length} dir(s), ${parsed} file(s) held the rule's tokens and were parsed, ` +
  `${reports.length} report(s)`);
console.log(JSON.stringify({
  tool: 'spatch', version, seconds: Number(seconds.toFixed(3)),
  peakRssMB: Number((Math.max(...results.map((r) => r.rssKB)) / 1024).toFixed(1)),
  dirs: dirs.length, reports: reports.length,
}));
