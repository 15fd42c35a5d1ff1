// `eqscheck patch --each`, end to end: a series of three patches written by us,
// made by git format-patch with a cover letter (modelled on arm64's run loop:
// patch 1 changes nothing the rules see and moves the loop down two lines, patch 2
// takes the host interrupt with local_irq_enable() before guest_exit(), patch 3
// puts guest_exit() first again), checked in text, JSON and SARIF; each state of
// the tree analysed once; a series whose second patch does not apply refused
// before any analysis; a single diff as a series of one.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as analyze from '../src/run/analyze.js';
import { SRCROOT } from '../src/report/sarif.js';
import { ARM_BUGGY, ARM_BUG_LINE, ARM_FIXED, GIT_ENV, TREE, git, makeKernelRepo, patchOf, run, snapshot, writeTree } from './helpers/kernel-tree.js';
import { SarifCollector } from './helpers/sarif-validate.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const sarifs = new SarifCollector();
let sandbox: string;
let tmpRoot: string;
let repo: string;
let series: string;
/** The run loop after patch 1: two comment lines above it, nothing else. */
let state1: string;
/** Where patch 2's bug is, in the tree after patch 1 (and after patch 2). */
let bugLine: number;

const SUBJECTS = [
  // Not ASCII: git writes it as RFC 2047 encoded words, folded over two lines.
  '[PATCH 1/3] KVM: x: say what the file holds \u2014 no functional change',
  // Longer than a header line: folded.
  '[PATCH 2/3] KVM: x: take the host interrupt that caused the exit before guest_exit() so that its tick is accounted to the guest',
  '[PATCH 3/3] KVM: x: leave the guest context before enabling interrupts',
];

function writePatch(name: string, text: string): string {
  const p = path.join(sandbox, 'patches', name);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

/** git format-patch --cover-letter of one commit per state (files written over the last), on a branch then dropped. */
function formatSeries(states: (string | Record<string, string>)[], subjects: string[]): string {
  git(repo, 'checkout', '-q', '-b', 'series');
  states.forEach((files, i) => {
    writeTree(repo, typeof files === 'string' ? { 'arch/x/kvm/arm.c': files } : files);
    git(repo, 'commit', '-q', '-am', subjects[i]!.replace(/^\[PATCH \d+\/\d+\] /, ''));
  });
  const mbox = execFileSync('git', ['format-patch', '--cover-letter', '--stdout', 'main..series'], { cwd: repo, env: GIT_ENV, encoding: 'utf8' });
  git(repo, 'checkout', '-q', 'main');
  git(repo, 'branch', '-q', '-D', 'series');
  return mbox;
}

beforeAll(() => {
  sandbox = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-series-test-'));
  tmpRoot = path.join(sandbox, 'tmp');
  mkdirSync(tmpRoot);
  repo = makeKernelRepo(path.join(sandbox, 'repo'));
  state1 = ARM_FIXED.replace('#include <linux/kvm_host.h>\n', '#include <linux/kvm_host.h>\n\n/* The run loop of arch x. */\n');
  const state2 = state1.replace('\t\tguest_exit();\n\t\tlocal_irq_enable();\n', '\t\tlocal_irq_enable();\n\t\tguest_exit();\n');
  expect(state2).not.toBe(state1);
  bugLine = ARM_BUG_LINE + 2;
  series = writePatch('series.mbox', formatSeries([state1, state2, state1], SUBJECTS));
});

beforeEach(() => {
  vi.stubEnv('TMPDIR', tmpRoot);
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  expect(readdirSync(tmpRoot).filter((d) => !d.startsWith('eqscheck-sarif-')), 'temporary directories left behind').toEqual([]);
});

afterAll(() => {
  sarifs.dispose();
  if (sandbox) rmSync(sandbox, { recursive: true, force: true });
});

const FINDING_LINE = /^(.+):(\d+):(\d+): (error|warning|note): (.+) \[([a-z0-9-]+)\]$/;
const armFile = () => path.join(repo, 'arch/x/kvm/arm.c');

describe('eqscheck patch --each: every patch on top of the ones before it', () => {
  it('text: a heading per patch, its introduced and fixed findings, one summary line; exit 1', async () => {
    const before = snapshot(repo);
    const r = await run(['patch', '--each', series, '--tree', repo]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const blocks = r.stdout.split(/\n\n(?=Patch \d|eqscheck: )/);
    expect(blocks.map((b) => b.split('\n')[0])).toEqual([...SUBJECTS.map((s, i) => `Patch ${i + 1} of 3: ${s}`),
      `eqscheck: 3 patches: 1 introduced (patch 2), 1 fixed (patch 3); 1 file touched; analysed arch/x/kvm, virt/kvm: ` +
      '4 files, 4 functions before the series, 4 files, 4 functions after it']);
    expect(blocks[0]).toBe(`Patch 1 of 3: ${SUBJECTS[0]}\nIntroduced: none\n\nFixed: none`);
    // The finding patch 2 introduces is the one patch 3 fixes: at its line in the tree after patch 1.
    const findingsOf = (block: string) => block.split('\n').filter((l) => FINDING_LINE.test(l)).map((l) => {
      const m = FINDING_LINE.exec(l)!;
      return [m[1], Number(m[2]), m[6]];
    });
    expect(blocks[1]).toContain('Introduced: 1 finding: 1 error (1 irq-enabled-in-eqs)');
    expect(blocks[1]).toContain('Fixed: none');
    expect(findingsOf(blocks[1]!)).toEqual([[armFile(), bugLine, 'irq-enabled-in-eqs']]);
    expect(blocks[2]).toContain('Introduced: none');
    expect(blocks[2]).toContain('Fixed: 1 finding: 1 error (1 irq-enabled-in-eqs)');
    expect(findingsOf(blocks[2]!)).toEqual([[armFile(), bugLine, 'irq-enabled-in-eqs']]);
    expect(r.stdout).not.toContain(tmpRoot);
    expect(snapshot(repo)).toEqual(before);

    // -q: only the patches that change something, no summary.
    const q = await run(['patch', '--each', series, '--tree', repo, '-q']);
    expect(q.code).toBe(1);
    expect(q.stdout.split('\n').filter((l) => l.startsWith('Patch '))).toEqual([`Patch 2 of 3: ${SUBJECTS[1]}`, `Patch 3 of 3: ${SUBJECTS[2]}`]);
    expect(q.stdout).not.toContain('eqscheck:');
    expect(q.stdout).not.toContain('none');
  });

  it('analyses each state of the tree once: the tree, then after each patch', async () => {
    const spy = vi.spyOn(analyze, 'analyzeFiles');
    const r = await run(['patch', '--each', series, '--tree', repo, '-f', 'json']);
    expect(r.code).toBe(1);
    // Each state in a directory of its own; the tree's own first.
    const roots = spy.mock.calls.map(([, options]) => options.roots![0]!);
    expect(roots).toHaveLength(4);
    expect(roots[0]).toBe(repo);
    expect(new Set(roots).size).toBe(4);
  });

  it('JSON: {version, tool, mode, patches, summary}, each patch with a single patch\'s parts', async () => {
    const r = await run(['patch', '--each', series, '--tree', repo, '-f', 'json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as Json;
    expect(Object.keys(j)).toEqual(['version', 'tool', 'mode', 'patches', 'summary']);
    expect(j.mode).toBe('patch');
    expect(j.summary).toEqual({ patches: 3, introduced: 1, fixed: 1, touchedFiles: ['arch/x/kvm/arm.c'], scope: ['arch/x/kvm', 'virt/kvm'] });
    expect(j.patches.map((p: Json) => [p.index, p.subject, p.introduced.length, p.fixed.length])).toEqual([
      [1, SUBJECTS[0], 0, 0], [2, SUBJECTS[1], 1, 0], [3, SUBJECTS[2], 0, 1],
    ]);
    for (const p of j.patches) expect(Object.keys(p)).toEqual(['index', 'subject', 'introduced', 'fixed', 'summary']);
    expect(j.patches.map((p: Json) => [p.summary.from, p.summary.to])).toEqual([
      ['the tree', 'the tree after patch 1'], ['the tree after patch 1', 'the tree after patch 2'], ['the tree after patch 2', 'the tree after patch 3'],
    ]);
    expect(j.patches[1].summary).toMatchObject({ introduced: 1, fixed: 0, touchedFiles: ['arch/x/kvm/arm.c'], scope: ['arch/x/kvm', 'virt/kvm'] });
    expect(j.patches[1].summary.after.files).toBe(4);
    const introduced = j.patches[1].introduced[0];
    const fixed = j.patches[2].fixed[0];
    expect([introduced.ruleId, introduced.file, introduced.line, introduced.function]).toEqual(['irq-enabled-in-eqs', armFile(), bugLine, 'kvm_arch_vcpu_ioctl_run']);
    expect(fixed.fingerprint).toBe(introduced.fingerprint);
    expect(fixed.line).toBe(bugLine);
    // Exit 1 comes from the findings --fail-on names, whichever patch introduces them.
    expect((await run(['patch', '--each', series, '--tree', repo, '-f', 'json', '--fail-on', 'none'])).code).toBe(0);
  });

  it('each patch reports what the single-patch mode reports for it on the tree before it', async () => {
    const each = JSON.parse((await run(['patch', '--each', series, '--tree', repo, '-f', 'json'])).stdout) as Json;
    // Patch 2 alone, on a tree that has patch 1.
    const tree1 = makeKernelRepo(path.join(sandbox, 'after-1'), { 'arch/x/kvm/arm.c': state1 });
    const mails = mailsOf(series);
    const single = JSON.parse((await run(['patch', writePatch('2.patch', mails[2]!), '--tree', tree1, '-f', 'json'])).stdout) as Json;
    const shape = (f: Json) => [f.ruleId, path.relative(f.file.startsWith(tree1) ? tree1 : repo, f.file), f.line, f.column, f.fingerprint];
    expect(each.patches[1].introduced.map(shape)).toEqual(single.introduced.map(shape));
    expect(single.introduced).toHaveLength(1);
  });

  it('SARIF: one run, results tagged with their patch, regions read from the version they name', async () => {
    const r = await run(['patch', '--each', series, '--tree', repo, '-f', 'sarif']);
    expect(r.code).toBe(1);
    expect(sarifs.add('series', r.stdout)).toEqual([]);
    const log = JSON.parse(r.stdout) as Json;
    expect(log.runs).toHaveLength(1);
    const results = log.runs[0].results as Json[];
    expect(results.map((x) => [x.baselineState, x.properties.patch, x.locations[0].physicalLocation.artifactLocation])).toEqual([
      ['new', { index: 2, subject: SUBJECTS[1] }, { uri: 'arch/x/kvm/arm.c', uriBaseId: SRCROOT, index: 0 }],
      ['absent', { index: 3, subject: SUBJECTS[2] }, { uri: 'arch/x/kvm/arm.c', uriBaseId: SRCROOT, index: 0 }],
    ]);
    // Both at `local_irq_enable()` (18 characters) of the tree after patch 2; the tree itself and
    // the tree after patch 3 have `guest_exit();` on that line.
    for (const x of results) {
      const region = x.locations[0].physicalLocation.region;
      expect([region.startLine, region.endColumn - region.startColumn]).toEqual([bugLine, 18]);
    }
    expect(results[0].partialFingerprints).toEqual(results[1].partialFingerprints);
    expect(log.runs[0].originalUriBaseIds[SRCROOT].uri).toBe(`file://${repo}/`);
  });

  it('a single diff is a series of one, named by its file', async () => {
    const diff = writePatch('one.patch', patchOf(repo, { 'arch/x/kvm/arm.c': ARM_BUGGY }));
    const r = await run(['patch', '--each', diff, '--tree', repo, '-f', 'json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as Json;
    expect(j.patches.map((p: Json) => [p.index, p.subject, p.introduced.length, p.fixed.length])).toEqual([[1, diff, 1, 0]]);
    const single = JSON.parse((await run(['patch', diff, '--tree', repo, '-f', 'json'])).stdout) as Json;
    expect(j.patches[0].introduced).toEqual(single.introduced);
    expect(j.patches[0].summary).toEqual({ ...single.summary, from: 'the tree', to: 'the tree after patch 1' });
  });

  it('analyses every patch over the directories of the whole series', async () => {
    // Patch 1 fixes arch y's existing bug, patch 2 breaks arch x: both are compared over both arches.
    const yFixed = TREE['arch/y/kvm/run.c']!.replace('\tlocal_irq_enable();\n\tguest_state_exit_irqoff();', '\tguest_state_exit_irqoff();\n\tlocal_irq_enable();');
    const two = writePatch('two-arches.mbox', formatSeries([{ 'arch/y/kvm/run.c': yFixed }, { 'arch/x/kvm/arm.c': ARM_BUGGY }],
      ['[PATCH 1/2] KVM: y: leave the guest state first', '[PATCH 2/2] KVM: x: take the interrupt early']));
    const j = JSON.parse((await run(['patch', '--each', two, '--tree', repo, '-f', 'json'])).stdout) as Json;
    expect(j.patches.map((p: Json) => [p.summary.touchedFiles, p.summary.scope, p.introduced.map((f: Json) => f.function), p.fixed.map((f: Json) => f.function)])).toEqual([
      [['arch/y/kvm/run.c'], ['arch/x/kvm', 'arch/y/kvm', 'virt/kvm'], [], ['y_vcpu_run']],
      [['arch/x/kvm/arm.c'], ['arch/x/kvm', 'arch/y/kvm', 'virt/kvm'], ['kvm_arch_vcpu_ioctl_run'], []],
    ]);
  });

  it('writes SARIF that passes the SARIF Multitool (SARIF and GitHub rules)', () => {
    expect(sarifs.files.length).toBe(1);
    expect(sarifs.multitool('Sarif')).toEqual([]);
    expect(sarifs.multitool('Gh')).toEqual([]);
  });
});

describe('eqscheck patch --each: a series that cannot be checked is exit 2, before any analysis', () => {
  it('names the patch that does not apply on top of the ones before it', async () => {
    // Patch 2's context changed: it no longer applies after patch 1.
    const mails = mailsOf(series);
    const broken = series.replace(/\.mbox$/, '-broken.mbox');
    writeFileSync(broken, [mails[0], mails[1], mails[2]!.replace(/^ \t\thandle_exit_early\(vcpu, ret\);$/m, ' \t\thandle_exit_late(vcpu, ret);'), mails[3]].join(''));
    const spy = vi.spyOn(analyze, 'analyzeFiles');
    const before = snapshot(repo);
    for (const format of ['text', 'json', 'sarif']) {
      const r = await run(['patch', '--each', broken, '--tree', repo, '-f', format]);
      expect([r.code, r.stdout]).toEqual([2, '']);
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      // The hunk is named by its line in the whole input, not in its message.
      const text = readFileSync(broken, 'utf8');
      const lines = text.split('\n');
      const patch2 = text.slice(0, mails[0]!.length + mails[1]!.length).split('\n').length - 1;
      const hunkLine = lines.findIndex((l, i) => i >= patch2 && l.startsWith('@@')) + 1;
      const header = /^@@ [^@]+ @@/.exec(lines[hunkLine - 1]!)![0];
      expect(r.stderr).toBe(`eqscheck: error: ${broken}: patch 2 of 3 (${SUBJECTS[1]}): patch does not apply: arch/x/kvm/arm.c: ` +
        `hunk 1 of 1 (${header}, patch line ${hunkLine}) does not match the tree (its context or removed lines differ)\n`);
    }
    expect(spy).not.toHaveBeenCalled();
    expect(snapshot(repo)).toEqual(before);
  });

  it('refuses a message of the series that holds no diff, and skips the cover letter', async () => {
    const mails = mailsOf(series);
    expect(mails[0]).toContain('Subject: [PATCH 0/3]');
    const notes = mails[1]!.replace(/\n---\n[\s\S]*$/, '\n');
    const r = await run(['patch', '--each', writePatch('no-diff.mbox', [mails[0], notes, mails[2], mails[3]].join('')), '--tree', repo]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/: the message at line \d+ \(\[PATCH 1\/3\] KVM: x: say what the file holds — no functional change\) holds no diff: it is not a patch of the series\n$/);
  });
});

/** The messages of an mbox file, each from its `From ` line (the cover letter first). */
function mailsOf(file: string): string[] {
  return readFileSync(file, 'utf8').split(/^(?=From [0-9a-f]{40} )/m);
}
