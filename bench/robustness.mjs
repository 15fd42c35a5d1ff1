// `npm run bench:robustness [-- NAME…]`: every hostile input of issue 12
// (bench/hostile-inputs.mjs) at full size, scanned alone by the built CLI in a
// child process: exit status, wall time and peak RSS (from the child's
// resource usage), and the summary lines that say what was cut. A crash (exit 3)
// or a stack trace fails the run; time and memory are for the reader to judge.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HOSTILE_INPUTS } from './hostile-inputs.mjs';

const only = process.argv.slice(2);
const dir = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-robustness-'));
const TIMEOUT_MS = 1000 * Number(process.env.EQSCHECK_BENCH_TIMEOUT_S ?? 600);

/** The CLI in a child process that reports, last on stderr, its own peak RSS
 *  (process.resourceUsage, in KB) and wall time. */
const MEASURED = `
  import { main } from ${JSON.stringify(new URL('../dist/cli/main.js', import.meta.url).href)};
  const started = process.hrtime.bigint();
  let code;
  try { code = await main(process.argv.slice(1)); } catch (err) { process.stderr.write('internal error: ' + (err && err.stack || err) + '\\n'); code = 3; }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stderr.write('\\n@@' + JSON.stringify({ code, seconds, peakKb: process.resourceUsage().maxRSS }) + '\\n'); process.exitCode = code;
`;

function measure(file, args) {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', MEASURED, 'scan', '--no-cache', ...args, file],
    { encoding: 'utf8', maxBuffer: 1 << 30, timeout: TIMEOUT_MS });
  const at = r.stderr.lastIndexOf('\n@@');
  // Killed (timeout, out of memory): its wall time as seen from here, no RSS.
  if (at < 0) return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, seconds: Number(process.hrtime.bigint() - started) / 1e9, peakKb: null };
  const m = JSON.parse(r.stderr.slice(at + 3));
  return { status: m.code, stdout: r.stdout, stderr: r.stderr.slice(0, at), seconds: m.seconds, peakKb: m.peakKb };
}

let failed = 0;
const rows = [];
try {
  for (const input of HOSTILE_INPUTS) {
    if (only.length && !only.includes(input.name)) continue;
    const file = path.join(dir, `${input.name}.c`);
    const text = input.make(input.full);
    writeFileSync(file, text);
    const args = input.prefilter === false ? ['--no-prefilter'] : [];
    const { status, signal, stdout, stderr, seconds, peakKb } = measure(file, args);
    const crashed = status === 3 || status === null || /internal error|\n\s+at /.test(stderr);
    if (crashed) failed++;
    const notes = [...stderr.split('\n').filter((l) => l.startsWith('eqscheck: ')), ...stdout.split('\n')].filter((l) => /nesting beyond|calls deeper|too large to analyse|not analysed|not fully parsed|skipped|more than eqscheck can hold/.test(l));
    rows.push({ input: `${input.name} (${input.full.toLocaleString('en-US')}${args.length ? ', --no-prefilter' : ''})`,
      size: `${(text.length / 1048576).toFixed(1)} MB`, exit: status ?? `killed (${signal ?? 'timeout'})`,
      wall: `${seconds.toFixed(1)} s`, peak: peakKb ? `${Math.round(peakKb / 1024)} MB` : '?', notes: notes.map((n) => n.replace(/^eqscheck: /, '').replace(dir + path.sep, '')).join('; ') });
    console.error(`${input.name}: exit ${status}, ${seconds.toFixed(1)} s, ${peakKb ? Math.round(peakKb / 1024) : '?'} MB${crashed ? ' CRASH' : ''}`);
    rmSync(file);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log('| input | size | exit | wall | peak RSS | summary says |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.input} | ${r.size} | ${r.exit} | ${r.wall} | ${r.peak} | ${r.notes} |`);
if (failed) {
  console.error(`${failed} input(s) crashed`);
  process.exitCode = 1;
}
