// End to end through the command line: main(argv) in process (stdout and stderr
// captured), and the real executable once, for its exit status.
// Exit codes: 0 clean, 1 findings, 2 usage or input error.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { RULES } from '../src/rules/index.js';

const repo = path.join(__dirname, '..');

interface Run { code: number; stdout: string; stderr: string }

async function run(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const capture = (sink: (s: string) => void) => ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    sink(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  }) as typeof process.stdout.write;
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture((s) => { stdout += s; }));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture((s) => { stderr += s; }));
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** Lines that report a finding (not the indented trace, not the summary). */
function findingLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l !== '' && !l.startsWith(' ') && !l.startsWith('eqscheck:'));
}

const FINDING_LINE = /^(.+):(\d+):(\d+): (error|warning): (.+) \[([a-z0-9-]+)\]$/;

const CLEAN = `struct kvm_vcpu;

void vcpu_run(struct kvm_vcpu *vcpu)
{
	local_irq_disable();
	guest_state_enter_irqoff();
	__guest_run(vcpu);
	guest_state_exit_irqoff();
	local_irq_enable();
}
`;

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

afterAll(() => {
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
    expect(summary).toMatch(new RegExp(`^eqscheck: ${lines.length} findings? `));
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

  it('a binary file inside a scanned directory is skipped with a notice, not fatal', async () => {
    const dir = path.join(tmp, 'mixed');
    file('mixed/clean.c', CLEAN);
    const blob = file('mixed/sub/blob.c', BINARY);
    const r = await run(['scan', dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
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
