// End to end through the command line: main(argv) in process (stdout and stderr
// captured), and the real executable once, for its exit status.
// Exit codes: 0 clean, 1 findings, 2 usage or input error.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { SRCROOT } from '../src/report/sarif.js';
import { RULES } from '../src/rules/index.js';
import { SarifCollector } from './helpers/sarif-validate.js';
import { run, type Run } from './helpers/kernel-tree.js';
import { CLEAN_RUN_LOOP } from './helpers/run-loop.js';

const repo = path.join(__dirname, '..');

/** Lines that report a finding (not the indented trace, not the summary). */
function findingLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l !== '' && !l.startsWith(' ') && !l.startsWith('eqscheck:'));
}

const FINDING_LINE = /^(.+):(\d+):(\d+): (error|warning): (.+) \[([a-z0-9-]+)\]$/;

const CLEAN = CLEAN_RUN_LOOP;

// Line 8: irq-enabled-in-eqs; line 16: eqs-unbalanced.
const TWO_FINDINGS = `struct kvm_vcpu;

void vcpu_run_early_enable(struct kvm_vcpu *vcpu)
{
	local_irq_disable();
	guest_state_enter_irqoff();
	__guest_run(vcpu);
	local_irq_enable();
	guest_state_exit_irqoff();
}

void vcpu_run_double_enter(struct kvm_vcpu *vcpu)
{
	local_irq_disable();
	guest_state_enter_irqoff();
	guest_state_enter_irqoff();
	__guest_run(vcpu);
	guest_state_exit_irqoff();
	local_irq_enable();
}
`;

// Without -D CONFIG_SAFE_EXIT the #else arm unmasks inside the EQS (line 12).
const DFLAG = `struct kvm_vcpu;

void vcpu_run(struct kvm_vcpu *vcpu)
{
	local_irq_disable();
	guest_state_enter_irqoff();
	__guest_run(vcpu);
#ifdef CONFIG_SAFE_EXIT
	guest_state_exit_irqoff();
	local_irq_enable();
#else
	local_irq_enable();
	guest_state_exit_irqoff();
#endif
}
`;

// Latin-1 bytes (invalid UTF-8) in the comment; the unmask is on line 10.
const LATIN1 = Buffer.concat([
  Buffer.from('/*\n * Copyright (C) 2010 Jos', 'latin1'), Buffer.from([0xe9]),
  Buffer.from(' M\xfcller \xa9\n */\nstruct kvm_vcpu;\n\nvoid vcpu_run(struct kvm_vcpu *vcpu)\n{\n\tlocal_irq_disable();\n\tguest_state_enter_irqoff();\n\tlocal_irq_enable();\n\tguest_state_exit_irqoff();\n}\n', 'latin1'),
]);

const BINARY = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x69, 0x6e, 0x74, 0x0a]);

let tmp: string;
function file(name: string, content: string | Buffer): string {
  const p = path.join(tmp, name);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, content);
  return p;
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-cli-'));
});

const sarifs = new SarifCollector();

afterAll(() => {
  sarifs.dispose();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('eqscheck scan (in process)', () => {
  it('reports the examples with exit code 1, one gcc-style line per finding', async () => {
    const r = await run(['scan', 'fixtures/examples']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const lines = findingLines(r.stdout);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      const m = FINDING_LINE.exec(l);
      expect(m, l).not.toBeNull();
      expect(m![1]!.startsWith('fixtures/examples/'), l).toBe(true);
      expect(RULES.map((rule) => rule.id), l).toContain(m![6]);
    }
    const summary = r.stdout.split('\n').find((l) => l.startsWith('eqscheck: '))!;
    expect(summary).toMatch(new RegExp(`^eqscheck: ${lines.length} findings?: `));
  });

  it('exits 0 on a clean file', async () => {
    const p = file('clean/clean.c', CLEAN);
    const r = await run(['scan', p]);
    expect(r.code).toBe(0);
    expect(findingLines(r.stdout)).toEqual([]);
    expect(r.stdout).toMatch(/^eqscheck: 0 findings; 1 files, 1 functions analysed$/m);
    expect(r.stderr).toBe('');
  });

  it('reports findings at the right place', async () => {
    const p = file('two/two.c', TWO_FINDINGS);
    const r = await run(['scan', p]);
    expect(r.code).toBe(1);
    expect(findingLines(r.stdout).map((l) => FINDING_LINE.exec(l)!.slice(1, 4).concat(FINDING_LINE.exec(l)![6]!))).toEqual([
      [p, '8', '2', 'irq-enabled-in-eqs'],
      [p, '16', '2', 'eqs-unbalanced'],
    ]);
  });

  it('a missing path is an input error (2) with one line naming it', async () => {
    const missing = path.join(tmp, 'no', 'such', 'file.c');
    const r = await run(['scan', missing]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.endsWith('\n')).toBe(true);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(missing);
  });

  it('a binary file named on the command line is an input error (2) naming it', async () => {
    const bin = file('bin/blob.c', BINARY);
    const r = await run(['scan', bin]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(bin);
    expect(r.stderr).toMatch(/binary/);
  });

  it('notes (latent findings of an arch that cannot enter the EQS) do not fail by default; --fail-on note makes them', async () => {
    const untracked = 'fixtures/cases/dir--arch-kconfig-latent-and-handled/arch/untracked';
    const quiet = await run(['scan', untracked, '--no-cache']);
    expect(quiet.stdout).toMatch(/: note: /);
    expect(quiet.code).toBe(0);
    expect((await run(['scan', untracked, '--no-cache', '--fail-on', 'note'])).code).toBe(1);
  });

  it('the summary counts findings by severity, notes apart (text and JSON)', async () => {
    const unit = 'fixtures/cases/dir--arch-kconfig-latent-and-handled';
    const text = await run(['scan', unit, '--no-cache']);
    const levels = findingLines(text.stdout).map((l) => /: (error|warning|note): /.exec(l)?.[1]);
    const count = (level: string) => levels.filter((l) => l === level).length;
    expect(count('note')).toBeGreaterThan(0);
    expect(count('error')).toBeGreaterThan(0);
    expect(text.stdout).toMatch(new RegExp(`^eqscheck: ${levels.length} findings: ${count('error')} errors, ${count('note')} notes \\(`, 'm'));
    const json = JSON.parse((await run(['scan', unit, '--no-cache', '-f', 'json'])).stdout);
    expect(json.summary.findings).toEqual({ total: levels.length, error: count('error'), warning: 0, note: count('note') });
  });

  it('a binary file inside a scanned directory is skipped with a notice, not fatal: exit 0 unless --fail-on names skipped', async () => {
    const dir = path.join(tmp, 'mixed');
    file('mixed/clean.c', CLEAN);
    const blob = file('mixed/sub/blob.c', BINARY);
    expect((await run(['scan', dir, '--fail-on', 'note,skipped'])).code).toBe(2);
    const r = await run(['scan', dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect((await run(['scan', dir, '-q'])).stdout).toBe(`eqscheck: skipped ${blob}: binary file (contains NUL bytes), not C source\n`);
    const notice = r.stdout.split('\n').filter((l) => l.startsWith('eqscheck: skipped '));
    expect(notice).toHaveLength(1);
    expect(notice[0]).toContain(blob);
    expect(notice[0]).toMatch(/binary/);
    expect(r.stdout).toMatch(/^eqscheck: 0 findings; 1 files, 1 functions analysed$/m);
    const json = JSON.parse((await run(['scan', '--format', 'json', dir])).stdout);
    expect(json.summary.skippedFiles).toEqual([{ file: blob, reason: expect.stringMatching(/binary/) }]);
  });

  it('analyses a Latin-1 file, with findings on the right line', async () => {
    const p = file('latin1/latin1.c', LATIN1);
    const r = await run(['scan', p]);
    expect(r.code).toBe(1);
    const lines = findingLines(r.stdout);
    expect(lines).toHaveLength(1);
    expect(FINDING_LINE.exec(lines[0]!)!.slice(1, 4)).toEqual([p, '10', '2']);
    expect(lines[0]).toContain('[irq-enabled-in-eqs]');
    const json = JSON.parse((await run(['scan', '--format', 'json', p])).stdout);
    expect(json.summary.latin1Files).toEqual([p]);
    expect(json.findings[0]).toMatchObject({ line: 10, column: 2, function: 'vcpu_run' });
  });

  it('an unknown rule is a usage error (2) listing the known rules', async () => {
    const r = await run(['scan', '--rules', 'nope', 'fixtures/examples']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('nope');
    for (const rule of RULES) expect(r.stderr).toContain(rule.id);
  });

  it('an unknown format is a usage error (2)', async () => {
    const r = await run(['scan', '--format', 'xml', 'fixtures/examples']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('xml');
  });

  it('an unknown command or option is a usage error (2)', async () => {
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['scan', '--bogus', 'fixtures/examples'])).code).toBe(2);
  });

  it('--format json writes the version 1 schema', async () => {
    const p = file('json/two.c', TWO_FINDINGS);
    const r = await run(['scan', '--format', 'json', p]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.version).toBe(1);
    expect(report.tool.name).toBe('eqscheck');
    expect(typeof report.tool.version).toBe('string');
    expect(report.findings).toHaveLength(2);
    for (const f of report.findings) {
      expect(f).toEqual(expect.objectContaining({
        ruleId: expect.any(String), file: p, line: expect.any(Number), column: expect.any(Number),
        function: expect.any(String), message: expect.any(String), trace: expect.any(Array),
      }));
      expect(f.trace.length).toBeGreaterThan(0);
      for (const t of f.trace) {
        expect(t).toEqual(expect.objectContaining({ file: expect.any(String), line: expect.any(Number), column: expect.any(Number), message: expect.any(String) }));
      }
    }
    expect(report.findings.map((f: { ruleId: string; line: number; column: number; function: string }) => [f.ruleId, f.line, f.column, f.function])).toEqual([
      ['irq-enabled-in-eqs', 8, 2, 'vcpu_run_early_enable'],
      ['eqs-unbalanced', 16, 2, 'vcpu_run_double_enter'],
    ]);
    expect(report.summary.files).toBe(1);
    expect(report.summary.functions).toBe(2);
  });

  it('--output FILE writes the report to the file instead of stdout', async () => {
    const p = file('output/two.c', TWO_FINDINGS);
    const out = path.join(tmp, 'output', 'report.txt');
    const r = await run(['scan', '--output', out, p]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe((await run(['scan', p])).stdout);
    const outJson = path.join(tmp, 'output', 'report.json');
    expect((await run(['scan', '-f', 'json', '-o', outJson, p])).code).toBe(1);
    expect(JSON.parse(readFileSync(outJson, 'utf8')).version).toBe(1);
  });

  it('--output to an unwritable place is an input error (2)', async () => {
    const p = file('output2/clean.c', CLEAN);
    const r = await run(['scan', '--output', path.join(tmp, 'no-such-dir', 'r.txt'), p]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no-such-dir');
  });

  it('--rules selects the rules that run', async () => {
    const p = file('rules/two.c', TWO_FINDINGS);
    const only = async (rules: string): Promise<[number, string[]]> => {
      const r = await run(['scan', '--rules', rules, p]);
      return [r.code, findingLines(r.stdout).map((l) => FINDING_LINE.exec(l)![6]!)];
    };
    expect(await only('eqs-unbalanced')).toEqual([1, ['eqs-unbalanced']]);
    expect(await only('irq-enabled-in-eqs')).toEqual([1, ['irq-enabled-in-eqs']]);
    expect(await only('vtime-unbalanced')).toEqual([0, []]);
    expect(await only('eqs-unbalanced,irq-enabled-in-eqs')).toEqual([1, ['irq-enabled-in-eqs', 'eqs-unbalanced']]);
  });

  it('-D NAME pins #ifdef NAME and changes the result', async () => {
    const p = file('dflag/dflag.c', DFLAG);
    const plain = await run(['scan', p]);
    expect(plain.code).toBe(1);
    expect(findingLines(plain.stdout).map((l) => FINDING_LINE.exec(l)!.slice(2, 3)[0])).toEqual(['12']);
    const pinned = await run(['scan', '-D', 'CONFIG_SAFE_EXIT', p]);
    expect(pinned.code).toBe(0);
    expect(findingLines(pinned.stdout)).toEqual([]);
    expect((await run(['scan', '--define', 'CONFIG_SAFE_EXIT', p])).code).toBe(0);
    expect((await run(['scan', '-D', 'CONFIG_OTHER', p])).code).toBe(1);
  });

  it('output is byte-identical across runs', async () => {
    const a = await run(['scan', 'fixtures/examples']);
    const b = await run(['scan', 'fixtures/examples']);
    expect(b.stdout).toBe(a.stdout);
    const ja = await run(['scan', '--format', 'json', 'fixtures/examples']);
    const jb = await run(['scan', '--format', 'json', 'fixtures/examples']);
    expect(jb.stdout).toBe(ja.stdout);
  });

  it('the order of paths on the command line does not change the output', async () => {
    const a = file('order/a.c', TWO_FINDINGS);
    const b = file('order/b.c', DFLAG);
    expect((await run(['scan', b, a])).stdout).toBe((await run(['scan', a, b])).stdout);
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const ESC = '\x1b[';

/** Runs with stdout looking like a terminal (or not) and NO_COLOR as given. */
async function runTty(args: string[], isTTY: boolean, noColor: string | undefined): Promise<Run> {
  const had = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
  Object.defineProperty(process.stdout, 'isTTY', { value: isTTY, configurable: true, writable: true });
  vi.stubEnv('NO_COLOR', noColor);
  try {
    return await run(args);
  } finally {
    vi.unstubAllEnvs();
    if (had) Object.defineProperty(process.stdout, 'isTTY', had);
    else delete (process.stdout as { isTTY?: boolean }).isTTY;
  }
}

describe('eqscheck scan --format sarif', () => {
  it('scan fixtures: valid SARIF whose code flows run from the cause to the reported location', async () => {
    const r = await run(['scan', 'fixtures', '--format', 'sarif']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(sarifs.add('scan-fixtures', r.stdout)).toEqual([]);
    const log = JSON.parse(r.stdout);
    const findings = JSON.parse((await run(['scan', 'fixtures', '--format', 'json'])).stdout).findings as Json[];
    const results = log.runs[0].results as Json[];
    expect(results.length).toBe(findings.length);
    expect(results.length).toBeGreaterThan(0);
    const at = (loc: Json) => {
      const pl = loc.physicalLocation;
      expect(pl.artifactLocation.uriBaseId).toBe(SRCROOT);
      return [pl.artifactLocation.uri, pl.region.startLine, pl.region.startColumn];
    };
    for (const [i, res] of results.entries()) {
      const f = findings[i];
      expect(res.ruleId).toBe(f.ruleId);
      expect(at(res.locations[0])).toEqual([f.file, f.line, f.column]);
      const steps = res.codeFlows[0].threadFlows[0].locations as Json[];
      expect(at(steps[0].location)).toEqual([f.trace[0].file, f.trace[0].line, f.trace[0].column]);
      expect(steps[0].location.message.text).toBe(f.trace[0].message);
      expect(at(steps[steps.length - 1].location)).toEqual([f.file, f.line, f.column]);
      expect(at(res.relatedLocations[0])).toEqual([f.trace[0].file, f.trace[0].line, f.trace[0].column]);
    }
  });

  it('writes SARIF to --output, byte-identical to stdout', async () => {
    const out = path.join(tmp, 'sarif-out', 'eqscheck.sarif');
    mkdirSync(path.dirname(out), { recursive: true });
    const r = await run(['scan', '-f', 'sarif', '-o', out, 'fixtures/examples']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const text = readFileSync(out, 'utf8');
    expect(sarifs.add('output', text)).toEqual([]);
    expect(text).toBe((await run(['scan', '--format', 'sarif', 'fixtures/examples'])).stdout);
  });

  it('a clean scan is valid SARIF with no results, exit 0', async () => {
    const p = file('sarif-clean/clean.c', CLEAN);
    const r = await run(['scan', '--format', 'sarif', p]);
    expect(r.code).toBe(0);
    expect(sarifs.add('clean', r.stdout)).toEqual([]);
    expect(JSON.parse(r.stdout).runs[0].results).toEqual([]);
  });

  it('passes the SARIF Multitool (SARIF and GitHub rules) with no error and no warning', () => {
    expect(sarifs.files.length).toBe(3);
    expect(sarifs.multitool('Sarif')).toEqual([]);
    expect(sarifs.multitool('Gh')).toEqual([]);
  });
});

describe('eqscheck rules / explain', () => {
  it('rules lists every rule: id, default severity, one line', async () => {
    const r = await run(['rules']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(RULES.length);
    for (const [i, rule] of RULES.entries()) {
      expect(lines[i]!.split(/\s{2,}/)).toEqual([rule.id, rule.defaultSeverity, rule.shortDescription]);
    }
  });

  it('explain RULE prints the full help with its bad and good example', async () => {
    for (const rule of RULES) {
      const r = await run(['explain', rule.id]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout.startsWith(`${rule.id} (${rule.name})\n${rule.shortDescription}\n`)).toBe(true);
      expect(r.stdout).toContain(`default severity: ${rule.defaultSeverity}`);
      expect(r.stdout.replace(/\s+/g, ' ')).toContain(rule.fullDescription.replace(/\s+/g, ' '));
      expect(r.stdout.replace(/\s+/g, ' ')).toContain(rule.help.text.replace(/\s+/g, ' '));
      for (const example of [rule.help.bad, rule.help.good]) {
        expect(r.stdout).toContain(example.split('\n').map((l) => `    ${l}`).join('\n'));
      }
      expect(r.stdout.indexOf('Reported:')).toBeLessThan(r.stdout.indexOf('Fixed:'));
    }
  });

  it('explain of an unknown rule is a usage error (2) listing the known rules', async () => {
    const r = await run(['explain', 'irq-enabled']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("unknown rule 'irq-enabled'");
    for (const rule of RULES) expect(r.stderr).toContain(rule.id);
    expect((await run(['explain'])).code).toBe(2);
  });
});

describe('text output', () => {
  it('--quiet prints the findings only', async () => {
    const p = file('quiet/two.c', TWO_FINDINGS);
    const full = await run(['scan', p]);
    const quiet = await run(['scan', '--quiet', p]);
    expect(quiet.code).toBe(1);
    expect(quiet.stdout.split('\n').filter((l) => l.startsWith('eqscheck:'))).toEqual([]);
    expect(full.stdout.startsWith(quiet.stdout)).toBe(true);
    expect(full.stdout.slice(quiet.stdout.length)).toMatch(/^eqscheck: 2 findings: 2 errors /);
    expect(findingLines(quiet.stdout)).toEqual(findingLines(full.stdout));
    const clean = await run(['scan', '-q', file('quiet/clean.c', CLEAN)]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toBe('');
  });

  it('is coloured on a terminal, and plain when NO_COLOR is set or stdout is not a terminal', async () => {
    const p = file('color/two.c', TWO_FINDINGS);
    const plain = await runTty(['scan', p], false, undefined);
    expect(plain.stdout).not.toContain(ESC);
    const tty = await runTty(['scan', p], true, '');
    expect(tty.code).toBe(1);
    expect(tty.stdout).toContain(`${ESC}1m${ESC}31merror:`);
    expect(tty.stdout.replace(/\x1b\[[0-9;]*m/g, '')).toBe(plain.stdout);
    expect((await runTty(['scan', p], true, '1')).stdout).toBe(plain.stdout);
    const out = path.join(tmp, 'color', 'report.txt');
    expect((await runTty(['scan', '-o', out, p], true, '')).code).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe(plain.stdout);
    expect((await runTty(['scan', '--format', 'json', p], true, '')).stdout).not.toContain(ESC);
  });
});

describe('bin/eqscheck.js (spawned)', () => {
  const bin = path.join(repo, 'bin', 'eqscheck.js');
  const built = existsSync(path.join(repo, 'dist', 'cli', 'main.js'));

  function spawn(args: string[]) {
    if (!built) throw new Error('dist/ is missing: build with `npx tsc -p .` first');
    return spawnSync(process.execPath, [bin, ...args], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
  }

  it('exits with status 1 on findings, printing them', () => {
    const r = spawn(['scan', 'fixtures/examples']);
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(1);
    const lines = findingLines(r.stdout);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(FINDING_LINE);
  });

  it('exits with status 0 on a clean file and 2 on a missing one', () => {
    const p = file('spawn/clean.c', CLEAN);
    expect(spawn(['scan', p]).status).toBe(0);
    const missing = path.join(tmp, 'spawn', 'missing.c');
    const r = spawn(['scan', missing]);
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(missing);
  });
});

describe('model files and scope on the command line', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-cli-model-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const handler = path.join(dir, 'handler.c');
  writeFileSync(handler, 'int exit_handler(void)\n{\n\tguest_exit();\n\ttrace_exit();\n\treturn 0;\n}\n');

  it('--model adds an entry fact: the handler is entered with interrupts on, in the guest context', async () => {
    const model = path.join(dir, 'facts.json');
    writeFileSync(model, JSON.stringify({ entries: { exit_handler: { interrupts: 'on', context: 'guest', why: 'entry.S calls it with EE=1' } } }));
    expect((await run(['scan', handler])).code).toBe(0);
    const withFact = await run(['scan', handler, '--model', model]);
    expect(withFact.code).toBe(1);
    expect(withFact.stdout).toMatch(/handler\.c:1:1: error: exit_handler\(\) runs with interrupts enabled while the guest context/);
    expect(withFact.stdout).toMatch(/model entry fact: entry\.S calls it with EE=1/);
  });

  it('a bad model file is exit 2 with a message naming the entry', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ entries: { exit_handler: { interrupts: 'sometimes', why: 'x' } } }));
    const r = await run(['scan', handler, '--model', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`eqscheck: error: ${bad}: entries.exit_handler.interrupts: 'sometimes' is not one of on, off\n`);
    expect((await run(['scan', handler, '--model', path.join(dir, 'missing.json')])).stderr).toMatch(/missing\.json: cannot read the model file \(no such file\)/);
  });

  it('the shipped entry facts apply where the tree shows them; --no-builtin-facts turns them off', async () => {
    const tree = 'fixtures/cases/dir--entry-fact-book3s-pr';
    const withFacts = await run(['scan', tree, '--no-cache']);
    expect(withFacts.code).toBe(1);
    expect(withFacts.stdout).toMatch(/book3s_pr\.c:\d+:1: error: kvmppc_handle_exit_pr\(\) runs with interrupts enabled while the guest context/);
    // (Its tracepoint before guest_exit() is a finding of instrumentation-in-eqs, with or without the fact.)
    const irqRule = ['-r', 'irq-enabled-in-eqs'];
    expect((await run(['scan', tree, '--no-cache', '--no-builtin-facts', ...irqRule])).code).toBe(0);
    const notShown = await run(['scan', 'fixtures/cases/dir--entry-fact-not-shown', '--no-cache', '-f', 'json', ...irqRule]);
    expect(notShown.code).toBe(0);
    expect(JSON.parse(notShown.stdout).summary.entryFactsNotApplied).toEqual([{
      name: 'kvmppc_handle_exit_pr', source: 'built-in models/kernel-entry-facts.json',
      reason: "arch/powerpc/kvm/book3s_interrupts.S does not show 'bl FUNC(kvmppc_handle_exit_pr)'",
    }]);
  });

  it('--no-builtin-wrappers leaves wrappers the tree does not define unknown', async () => {
    const file = path.join(dir, 'run.c');
    writeFileSync(file, 'void run(void)\n{\n\tlocal_irq_disable();\n\tguest_state_enter_irqoff();\n\tlocal_irq_enable();\n\tguest_state_exit_irqoff();\n}\n');
    expect((await run(['scan', file])).code).toBe(1);
    expect((await run(['scan', file, '--no-builtin-wrappers'])).code).toBe(0);
  });
});
