// instrumentation-in-eqs beyond what fixture annotations can say: one finding per
// window with the window's other offending calls as related locations, in every
// format; what kbuild builds without instrumentation read from the tree, also
// when only a Makefile changes under a cache; and a run without the rule looks
// into nothing.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeFiles } from '../src/run/analyze.js';
import { collectFiles } from '../src/scan/collect.js';
import { RULES } from '../src/rules/index.js';
import { run } from './helpers/kernel-tree.js';

const cases = path.join(__dirname, '..', 'fixtures', 'cases');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-instr-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

describe('one finding per window', () => {
  const file = path.join(cases, 'eqs2--one-finding-per-window.c');
  const lineOf = (text: string, from = 0): number => readFileSync(file, 'utf8').split('\n').findIndex((l, i) => i >= from && l.includes(text)) + 1;

  it('the first offending call is the finding, the window\'s others are related locations', async () => {
    const { findings } = await analyzeFiles([file], { rules: RULES });
    const ours = findings.filter((f) => f.ruleId === 'instrumentation-in-eqs');
    expect(ours.map((f) => f.line)).toEqual([lineOf('sync_timer(vcpu);'), lineOf('sync_fp(vcpu);', lineOf('__guest_run', lineOf('__guest_run')))]);
    expect(ours[0]!.related?.map((r) => [r.line, r.message])).toEqual([
      [lineOf('trace_kvm_exit(vcpu);'), expect.stringContaining('trace_kvm_exit() is a tracepoint')],
      [lineOf('sync_fp(vcpu);'), expect.stringContaining('sync_fp() is instrumentable')],
    ]);
    expect(ours[1]!.related ?? []).toEqual([]);
  });

  it('text lists them under the finding, JSON and SARIF carry them', async () => {
    const text = (await run(['scan', file, '--no-cache'])).stdout;
    expect(text).toMatch(new RegExp(`\\n  also: \\S+:${lineOf('trace_kvm_exit(vcpu);')}:2: trace_kvm_exit\\(\\) is a tracepoint`));
    const json = JSON.parse((await run(['scan', file, '--no-cache', '-f', 'json'])).stdout) as Json;
    expect(json.findings[0].related).toHaveLength(2);
    const sarif = JSON.parse((await run(['scan', file, '--no-cache', '-f', 'sarif'])).stdout) as Json;
    const related = sarif.runs[0].results[0].relatedLocations as Json[];
    expect(related.map((r) => [r.id, r.physicalLocation.region.startLine])).toEqual([
      [1, lineOf('guest_enter_irqoff();')], [2, lineOf('trace_kvm_exit(vcpu);')], [3, lineOf('sync_fp(vcpu);')],
    ]);
  });
});

describe('kbuild decides what is instrumented', () => {
  const tree = path.join(tmp, 'kbuild');
  cpSync(path.join(cases, 'dir--eqs2-kbuild-uninstrumented'), tree, { recursive: true });
  const hypMakefile = path.join(tree, 'arch', 'demo', 'kvm', 'hyp', 'Makefile');
  const lines = (out: string): string[] => out.split('\n').filter((l) => l.includes('[instrumentation-in-eqs]')).map((l) => l.replace(/:\d+: .*\(/, ': ('));

  it('a Makefile edit alone changes the findings, with or without a cache', async () => {
    const cache = path.join(tmp, 'cache');
    const scan = async (...extra: string[]) => (await run(['scan', tree, ...extra])).stdout;
    const before = await scan('--cache-dir', cache);
    expect(before).not.toMatch(/hyp_save_state\(\) is instrumentable/);
    expect(await scan('--cache-dir', cache)).toBe(before);
    // hyp/ built with every instrumentation again: its plain function is the defect.
    writeFileSync(hypMakefile, 'obj-y += switch.o\n');
    const after = await scan('--cache-dir', cache);
    expect(after).toMatch(/hyp_save_state\(\) is instrumentable \(built with ftrace/);
    expect(lines(after)).toEqual(lines(await scan('--no-cache')));
  });
});

describe('without the rule', () => {
  it('nothing is looked into for it: the other rules see what they saw', async () => {
    const { files } = collectFiles([path.join(__dirname, '..', 'fixtures', 'examples')]);
    const others = RULES.filter((r) => !r.onCall);
    const without = await analyzeFiles(files, { rules: others });
    const withIt = await analyzeFiles(files, { rules: RULES });
    const ours = new Set(['instrumentation-in-eqs', 'noinstr-calls-instrumentable']);
    expect(withIt.findings.filter((f) => !ours.has(f.ruleId))).toEqual(without.findings);
    // The rule looks into the inlined callees of the window; a run without it builds none of them.
    expect(without.summary.functions).toBeLessThan(withIt.summary.functions);
  });
});
