// The SARIF report: structure, regions, code flows, fingerprints that survive
// unrelated edits, notifications, GitHub's limits. Every log written here is
// checked against the official SARIF 2.1.0 schema and, at the end, by the SARIF
// Multitool with the SARIF and the GitHub rule sets.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeFiles, type AnalyzeResult } from '../src/run/analyze.js';
import type { Finding } from '../src/analysis/interpreter.js';
import { snapshot, State, stateAfter, type TraceEvent } from '../src/analysis/state.js';
import { describeEvent, describeState } from '../src/report/describe.js';
import {
  FINGERPRINT_KEY, GITHUB_LIMITS, INFORMATION_URI, SRCROOT, endColumnOf, formatSarif, normaliseLine, type SarifOptions,
} from '../src/report/sarif.js';
import { RULES } from '../src/rules/index.js';
import { collectFiles } from '../src/scan/collect.js';
import { TOOL_VERSION } from '../src/version.js';
import { SarifCollector } from './helpers/sarif-validate.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const sarifs = new SarifCollector();
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-sarif-test-'));
});

afterAll(() => {
  sarifs.dispose();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Writes the SARIF of `result`, checks it against the schema, returns it parsed. */
function sarifOf(name: string, result: AnalyzeResult, options?: SarifOptions): Json {
  const text = formatSarif(result, options);
  expect(sarifs.add(name, text), `${name}: schema errors`).toEqual([]);
  return JSON.parse(text);
}

async function analyse(paths: string[]): Promise<AnalyzeResult> {
  const { files, explicit } = collectFiles(paths);
  return analyzeFiles(files, { rules: RULES, explicit });
}

function file(rel: string, content: string | Buffer): string {
  const p = path.join(tmp, rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, content);
  return p;
}

function sameStep(loc: Json, t: { file: string; line: number; column: number }, root = process.cwd()): void {
  const pl = loc.physicalLocation;
  expect(pl.artifactLocation.uriBaseId).toBe(SRCROOT);
  expect(path.resolve(root, decodeURI(pl.artifactLocation.uri))).toBe(path.resolve(t.file));
  expect([pl.region.startLine, pl.region.startColumn]).toEqual([t.line, t.column]);
}

describe('SARIF of the fixtures', () => {
  let result: AnalyzeResult;
  let log: Json;

  beforeAll(async () => {
    result = await analyse(['fixtures']);
    log = sarifOf('fixtures', result);
  });

  it('is one run of SARIF 2.1.0 with the driver and its rules from the rules\' metadata', () => {
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    const driver = log.runs[0].tool.driver;
    expect(driver).toMatchObject({ name: 'eqscheck', version: TOOL_VERSION, semanticVersion: TOOL_VERSION, informationUri: INFORMATION_URI });
    expect(driver.rules.map((r: Json) => r.id)).toEqual(RULES.map((r) => r.id));
    for (const [i, rule] of RULES.entries()) {
      const d = driver.rules[i];
      expect(d).toMatchObject({
        id: rule.id, name: rule.name,
        shortDescription: { text: rule.shortDescription }, fullDescription: { text: rule.fullDescription },
        defaultConfiguration: { level: rule.defaultSeverity },
        properties: { precision: rule.precision, tags: rule.tags },
      });
      for (const example of [rule.help.bad, rule.help.good]) {
        expect(d.help.markdown).toContain(`\`\`\`c\n${example}\n\`\`\``);
        for (const line of example.split('\n')) expect(d.help.text).toContain(`    ${line}`);
      }
      expect(d.help.text).toContain(rule.help.text.split(' ').slice(0, 3).join(' '));
    }
  });

  it('has one result per finding, in order, with rule, level, message and a full region', () => {
    const results = log.runs[0].results;
    expect(results).toHaveLength(result.findings.length);
    expect(result.findings.length).toBeGreaterThan(20);
    const rules = log.runs[0].tool.driver.rules;
    for (const [i, f] of result.findings.entries()) {
      const r = results[i];
      expect(r.ruleId).toBe(f.ruleId);
      expect(rules[r.ruleIndex].id).toBe(f.ruleId);
      expect(r.level).toBe(f.severity);
      expect(r.message.text).toBe(f.message);
      expect(r.locations).toHaveLength(1);
      sameStep(r.locations[0], f);
      const region = r.locations[0].physicalLocation.region;
      expect(region.endLine).toBe(region.startLine);
      expect(region.endColumn).toBeGreaterThan(region.startColumn);
      expect(r.locations[0].logicalLocations).toEqual([{ name: f.function, kind: 'function' }]);
      expect(Object.keys(r.partialFingerprints)).toEqual([FINGERPRINT_KEY]);
    }
  });

  it('points relatedLocations at the cause, then the defect\'s other places, and carries the whole trace as a code flow', () => {
    expect(result.findings.some((f) => f.related?.length)).toBe(true);
    for (const [i, f] of result.findings.entries()) {
      const r = log.runs[0].results[i];
      expect(r.relatedLocations).toHaveLength(1 + (f.related?.length ?? 0));
      sameStep(r.relatedLocations[0], f.trace[0]!);
      expect(r.relatedLocations[0].message.text).toBe(describeEvent(f.trace[0]!.event));
      (f.related ?? []).forEach((other, k) => {
        sameStep(r.relatedLocations[k + 1], other);
        expect(r.relatedLocations[k + 1]).toMatchObject({ id: k + 2, message: { text: other.message } });
      });
      expect(r.codeFlows).toHaveLength(1);
      expect(r.codeFlows[0].threadFlows).toHaveLength(1);
      const steps = r.codeFlows[0].threadFlows[0].locations;
      // First step: the cause (trace[0]); last step: the reported location.
      sameStep(steps[0].location, f.trace[0]!);
      expect(steps[0].location.message.text).toBe(describeEvent(f.trace[0]!.event));
      sameStep(steps[steps.length - 1].location, f);
      expect(steps[steps.length - 1].nestingLevel).toBe(0);
      // Every trace step, in order, at its depth.
      for (const [k, t] of f.trace.entries()) {
        sameStep(steps[k].location, t);
        expect(steps[k].nestingLevel).toBe(t.depth);
        expect(steps[k].location.message.text).toBe(describeEvent(t.event));
      }
      expect(steps.length - f.trace.length).toBeLessThanOrEqual(1);
      expect(steps.map((s: Json) => s.executionOrder)).toEqual(steps.map((_: Json, k: number) => k + 1));
    }
  });

  it('gives the state after each step, the one a step that states it states', () => {
    let stated = 0;
    for (const [i, f] of result.findings.entries()) {
      const steps = log.runs[0].results[i].codeFlows[0].threadFlows[0].locations;
      for (const [k, t] of f.trace.entries()) {
        const after = stateAfter(t.event);
        if (!after) { expect(steps[k].state).toBeUndefined(); continue; }
        expect(steps[k].state.interrupts.text).toBe(after.irq === 'unk' ? 'unknown' : after.irq);
        expect(steps[k].state.context.text).toMatch(/context/);
        expect(steps[k].state['guest time accounting']?.text).toBe(after.vtime === 'on' ? 'on' : undefined);
        // The steps whose words state the state say the one given.
        if (['entered', 'call', 'guest-runs'].includes(t.event.kind)) {
          stated++;
          expect((steps[k].location.message.text as string).endsWith(`: ${t.event.kind === 'entered' ? '' : 'returns with '}${describeState(after)}`)).toBe(true);
        }
      }
    }
    expect(stated).toBeGreaterThan(0);
  });

  it('names artifacts relative to %SRCROOT%, the scan root as a file URI ending in /', () => {
    const run = log.runs[0];
    expect(run.originalUriBaseIds[SRCROOT].uri).toBe(pathToFileURL(process.cwd()).href + '/');
    const files = [...new Set(result.findings.map((f) => f.file))];
    expect(run.artifacts.map((a: Json) => a.location.uri)).toEqual(files.map((f) => f.split(path.sep).join('/')));
    for (const a of run.artifacts) {
      expect(a.location.uriBaseId).toBe(SRCROOT);
      expect(a.location.uri).not.toMatch(/^(\/|[a-z]+:)/);
    }
    for (const r of run.results) {
      const loc = r.locations[0].physicalLocation.artifactLocation;
      expect(run.artifacts[loc.index].location.uri).toBe(loc.uri);
    }
  });

  it('records a successful invocation; its notices are the fixture tree that does not show an entry fact and the fixture that needs a join', () => {
    const [invocation, ...others] = log.runs[0].invocations;
    expect(others).toEqual([]);
    expect(invocation.executionSuccessful).toBe(true);
    expect(invocation.toolExecutionNotifications.map((n: Json) => [n.descriptor.id, n.message.text.split(': ')[1]]))
      .toEqual([['entry-fact-not-applied', 'in fixtures/cases/dir--entry-fact-not-shown'],
        ['precision-lost', 'fixtures/cases/join--live-facts-still-joined.c:run_twice']]);
  });

  it('is byte-identical across runs', async () => {
    expect(formatSarif(await analyse(['fixtures']))).toBe(formatSarif(result));
  });
});

describe('regions', () => {
  it('end at the end of the call, the return statement, or one character on', () => {
    expect(endColumnOf('\tlocal_irq_enable();', 2)).toBe(20);
    expect(endColumnOf('\t\texit_fastpath = vmx_vcpu_run(vcpu);', 19)).toBe(37);
    expect(endColumnOf('\tret = foo(a, bar(b), ")(");', 8)).toBe(28);
    expect(endColumnOf('\tfoo(a,', 2)).toBe(5);
    expect(endColumnOf('\tif (unlikely(kvm_vcpu_exit_request(vcpu)))', 15)).toBe(42);
    expect(endColumnOf('\t\treturn -EIO;', 3)).toBe(15);
    expect(endColumnOf('}', 1)).toBe(2);
    expect(endColumnOf('\t}', 2)).toBe(3);
    expect(endColumnOf('void vcpu_run(struct kvm_vcpu *vcpu)   ', 1)).toBe(37);
    expect(endColumnOf('short', 40)).toBe(41);
    expect(endColumnOf(undefined, 3)).toBe(4);
  });

  it('normalise lines without spacing or comments', () => {
    expect(normaliseLine('\tlocal_irq_enable();  /* oops */')).toBe('local_irq_enable();');
    expect(normaliseLine('    local_irq_enable ( ) ; // x')).toBe('local_irq_enable();');
    expect(normaliseLine(undefined)).toBe('');
  });
});

describe('partialFingerprints', () => {
  const A = `void run_a(struct kvm_vcpu *vcpu)
{
	local_irq_disable();
	guest_state_enter_irqoff();
	__guest_run(vcpu);
	local_irq_enable();
	guest_state_exit_irqoff();
}
`;
  const B = `void run_b(struct kvm_vcpu *vcpu)
{
	local_irq_disable();
	guest_state_enter_irqoff();
	guest_state_enter_irqoff();
	__guest_run(vcpu);
	guest_state_exit_irqoff();
	local_irq_enable();
}
`;
  // Two windows, each with the same defect on the same text (one window's sites are one finding).
  const TWICE = `void run_twice(struct kvm_vcpu *vcpu)
{
	local_irq_disable();
	guest_state_enter_irqoff();
	local_irq_enable();
	guest_state_exit_irqoff();
	local_irq_disable();
	guest_state_enter_irqoff();
	local_irq_enable();
	guest_state_exit_irqoff();
}
`;
  const HEAD = 'struct kvm_vcpu;\n\n';

  /** Fingerprints by "rule function #n" (n counts equal keys in report order). */
  async function fingerprints(name: string, source: string): Promise<Map<string, string>> {
    const dir = path.join(tmp, 'fp', name);
    file(path.join('fp', name, 'kvm.c'), source);
    const result = await analyse([dir]);
    const log = sarifOf(`fp-${name}`, result, { root: dir });
    const out = new Map<string, string>();
    for (const [i, f] of result.findings.entries()) {
      let n = 1;
      while (out.has(`${f.ruleId} ${f.function} #${n}`)) n++;
      out.set(`${f.ruleId} ${f.function} #${n}`, log.runs[0].results[i].partialFingerprints[FINGERPRINT_KEY]);
    }
    return out;
  }

  let base: Map<string, string>;
  beforeAll(async () => {
    base = await fingerprints('base', HEAD + A + '\n' + B + '\n' + TWICE);
  });

  it('are distinct for distinct findings, even identical ones in one function', () => {
    expect([...base.keys()].sort()).toEqual([
      'eqs-unbalanced run_b #1', 'irq-enabled-in-eqs run_a #1', 'irq-enabled-in-eqs run_twice #1', 'irq-enabled-in-eqs run_twice #2',
    ]);
    expect(new Set(base.values()).size).toBe(base.size);
  });

  it('stay equal when lines are added above the findings', async () => {
    const shifted = HEAD + '/*\n * A new header comment.\n */\n#include <linux/kvm_host.h>\n\nstatic int unrelated(void)\n{\n\treturn 0;\n}\n\n' +
      A.replace('\tlocal_irq_disable();\n', '\tvcpu->stat.runs++;\n\n\tlocal_irq_disable();\n') + '\n' + B + '\n' + TWICE;
    expect(await fingerprints('shifted', shifted)).toEqual(base);
  });

  it('stay equal when functions are reordered', async () => {
    expect(await fingerprints('reordered', HEAD + TWICE + '\n' + B + '\n' + A)).toEqual(base);
  });

  it('stay equal when only spacing or comments change on the reported line', async () => {
    const respaced = HEAD + A.replace('\tlocal_irq_enable();', '\tlocal_irq_enable( );\t/* too early */') + '\n' + B + '\n' + TWICE;
    expect(await fingerprints('respaced', respaced)).toEqual(base);
  });

  it('change when the reported line changes, and only for that finding', async () => {
    const changed = await fingerprints('changed', HEAD + A.replace('\tlocal_irq_enable();', '\tspin_unlock_irq(&vcpu->lock);') + '\n' + B + '\n' + TWICE);
    expect([...changed.keys()].sort()).toEqual([...base.keys()].sort());
    expect(changed.get('irq-enabled-in-eqs run_a #1')).not.toBe(base.get('irq-enabled-in-eqs run_a #1'));
    for (const k of base.keys()) if (k !== 'irq-enabled-in-eqs run_a #1') expect(changed.get(k)).toBe(base.get(k));
  });

  it('change when the cause changes', async () => {
    const changed = await fingerprints('cause', HEAD + A.replace('guest_state_enter_irqoff', 'guest_enter_irqoff') + '\n' + B + '\n' + TWICE);
    expect(changed.get('irq-enabled-in-eqs run_a #1')).toBeDefined();
    expect(changed.get('irq-enabled-in-eqs run_a #1')).not.toBe(base.get('irq-enabled-in-eqs run_a #1'));
    expect(changed.get('eqs-unbalanced run_b #1')).toBe(base.get('eqs-unbalanced run_b #1'));
  });
});

describe('notifications', () => {
  it('name an entry fact the tree does not show', async () => {
    const result = await analyse(['fixtures/cases/dir--entry-fact-not-shown']);
    const notes = sarifOf('entry-fact-not-applied', result).runs[0].invocations[0].toolExecutionNotifications as Json[];
    expect(notes.filter((n) => n.descriptor.id === 'entry-fact-not-applied')).toEqual([expect.objectContaining({
      level: 'warning',
      message: { text: "entry fact of kvmppc_handle_exit_pr() (built-in models/kernel-entry-facts.json) not applied: arch/powerpc/kvm/book3s_interrupts.S does not show 'bl FUNC(kvmppc_handle_exit_pr)'" },
    })]);
  });

  it('report skipped files, functions not fully parsed and Latin-1 files in the invocation', async () => {
    const dir = path.join(tmp, 'notes');
    file('notes/blob.c', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x00, 0x0a]));
    file('notes/broken.c', 'struct kvm_vcpu;\n\nvoid vcpu_run(struct kvm_vcpu *vcpu)\n{\n\tlocal_irq_disable();\n\tguest_state_enter_irqoff();\n' +
      '\tx = = 3 @@ 4;\n\tlocal_irq_enable();\n\tguest_state_exit_irqoff();\n}\n');
    file('notes/latin1.c', Buffer.from('/* Jos\xe9 */\nstruct kvm_vcpu;\n\nvoid clean(struct kvm_vcpu *vcpu)\n{\n\tlocal_irq_disable();\n\tlocal_irq_enable();\n}\n', 'latin1'));
    const result = await analyse([dir]);
    const log = sarifOf('notifications', result, { root: dir });
    const inv = log.runs[0].invocations;
    expect(inv).toHaveLength(1);
    expect(inv[0].executionSuccessful).toBe(true);
    const notes = inv[0].toolExecutionNotifications as Json[];
    const byId = (id: string) => notes.filter((n) => n.descriptor.id === id);
    expect(byId('skipped-file')).toHaveLength(1);
    expect(byId('skipped-file')[0]).toMatchObject({ level: 'warning', locations: [{ physicalLocation: { artifactLocation: { uri: 'blob.c', uriBaseId: SRCROOT } } }] });
    expect(byId('skipped-file')[0].message.text).toMatch(/binary/);
    expect(byId('function-not-fully-parsed')).toHaveLength(1);
    expect(byId('function-not-fully-parsed')[0]).toMatchObject({
      level: 'warning', locations: [{ physicalLocation: { artifactLocation: { uri: 'broken.c' }, region: { startLine: 3 } } }],
    });
    expect(byId('latin1-file')).toHaveLength(1);
    const descriptors = log.runs[0].tool.driver.notifications;
    for (const n of notes) expect(descriptors[n.descriptor.index].id).toBe(n.descriptor.id);
    // The finding in the partly parsed function is still reported.
    expect(log.runs[0].results.map((r: Json) => [r.ruleId, r.locations[0].physicalLocation.artifactLocation.uri])).toEqual([['irq-enabled-in-eqs', 'broken.c']]);
  });

  it('name files outside the scan root by absolute file URI', async () => {
    const p = file('outside/two.c', 'struct kvm_vcpu;\n\nvoid run(struct kvm_vcpu *vcpu)\n{\n\tlocal_irq_disable();\n\tguest_state_enter_irqoff();\n\tlocal_irq_enable();\n\tguest_state_exit_irqoff();\n}\n');
    const log = sarifOf('outside-root', await analyse([p]), { root: path.join(tmp, 'elsewhere') });
    const loc = log.runs[0].results[0].locations[0].physicalLocation.artifactLocation;
    expect(loc.uri).toBe(pathToFileURL(p).href);
    expect(loc.uriBaseId).toBeUndefined();
  });
});

describe('GitHub limits', () => {
  const SUMMARY = {
    files: 1, functions: 1, functionsWithParseErrors: [], functionsCut: [], unnamedFunctions: 0, skipped: [], latin1Files: [], userSpace: [], entryFactsNotApplied: [], notBuilt: [],
    analysis: { functionsAnalysed: 1, summaries: 1, precisionLost: [], overBudget: [], callsTooDeep: [], unknownCallees: 0, indirectCalls: 0 },
  };
  const SOURCE = Array.from({ length: 3000 }, (_, i) => `\tstep_${i + 1}();`).join('\n');
  const readText = () => SOURCE;

  const said = (symptom: string): TraceEvent => ({ kind: 'symptom', symptom, after: snapshot(State.initial()) });

  function finding(i: number, severity: string, traceLength = 2): Finding {
    const line = (i % 2900) + 50;
    return {
      ruleId: 'irq-enabled-in-eqs', severity, file: 'synthetic/kvm.c', line, column: 2, function: `fn_${i}`,
      message: `finding ${i}`,
      trace: Array.from({ length: traceLength }, (_, k) => k === traceLength - 1
        ? { file: 'synthetic/kvm.c', line, column: 2, event: said(`finding ${i} here`), depth: 0 }
        : { file: 'synthetic/kvm.c', line: (k % 40) + 1, column: 2, event: said(`step ${k}`), depth: k % 3 }),
      notes: [],
    };
  }

  it('keep the most severe results when there are more than a run may hold, with a notification', () => {
    const findings = [finding(0, 'note'), finding(1, 'error'), finding(2, 'warning'), finding(3, 'error'), finding(4, 'note'), finding(5, 'error')];
    const log = sarifOf('results-truncated-small', { findings, summary: SUMMARY }, { readText, limits: { resultsPerRun: 4 } });
    expect(log.runs[0].results.map((r: Json) => r.message.text)).toEqual(['finding 1', 'finding 2', 'finding 3', 'finding 5']);
    const n = log.runs[0].invocations[0].toolExecutionNotifications;
    expect(n).toHaveLength(1);
    expect(n[0]).toMatchObject({ descriptor: { id: 'results-truncated' }, level: 'warning' });
    expect(n[0].message.text).toContain('2 least severe');
  });

  it('shorten a long path in the middle, keeping its cause and its reported location', () => {
    const long = finding(7, 'error', 30);
    const log = sarifOf('flow-truncated-small', { findings: [long, finding(8, 'error')], summary: SUMMARY },
      { readText, limits: { threadFlowLocationsPerResult: 9 } });
    const steps = log.runs[0].results[0].codeFlows[0].threadFlows[0].locations;
    expect(steps).toHaveLength(9);
    expect(steps[0].location.message.text).toBe('step 0');
    expect(steps[8].location.message.text).toBe('finding 7 here');
    expect(steps[4].location.message.text).toBe('… 22 steps omitted');
    expect(steps.slice(0, 4).map((s: Json) => s.executionOrder)).toEqual([1, 2, 3, 4]);
    expect(steps[8].executionOrder).toBe(30);
    expect(log.runs[0].results[1].codeFlows[0].threadFlows[0].locations).toHaveLength(2);
    const n = log.runs[0].invocations[0].toolExecutionNotifications;
    expect(n.map((x: Json) => x.descriptor.id)).toEqual(['code-flow-truncated']);
    expect(n[0].message.text).toMatch(/^the paths of 1 result/);
  });

  it('hold at GitHub\'s published limits by default', () => {
    expect(GITHUB_LIMITS).toEqual({ resultsPerRun: 5000, threadFlowLocationsPerResult: 1000, tagsPerRule: 10 });
    const findings = [finding(0, 'warning', 1500), ...Array.from({ length: 5001 }, (_, i) => finding(i + 1, i < 2 ? 'note' : 'error', 1))];
    const log = sarifOf('github-limits', { findings, summary: SUMMARY }, { readText });
    const results = log.runs[0].results;
    expect(results).toHaveLength(5000);
    expect(results[0].message.text).toBe('finding 0');
    expect(results.some((r: Json) => r.level === 'note')).toBe(false);
    expect(results[0].codeFlows[0].threadFlows[0].locations).toHaveLength(1000);
    expect(log.runs[0].invocations[0].toolExecutionNotifications.map((n: Json) => n.descriptor.id)).toEqual(['results-truncated', 'code-flow-truncated']);
    for (const rule of log.runs[0].tool.driver.rules) expect(rule.properties.tags.length).toBeLessThanOrEqual(10);
  });

  it('are not reached by the rules\' tags', () => {
    for (const rule of RULES) expect(rule.tags.length).toBeLessThanOrEqual(GITHUB_LIMITS.tagsPerRule);
  });
});

describe('SARIF Multitool', () => {
  it('catches a defective log (the check is not vacuous)', () => {
    const bad = new SarifCollector();
    try {
      bad.add('defective', JSON.stringify({
        version: '2.1.0',
        runs: [{ tool: { driver: { name: 'x' } }, results: [{ ruleId: 'R1', message: { text: 'bad' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'C:\\a b\\x.c' } } }] }] }],
      }));
      expect(bad.multitool('Sarif').join('\n')).toMatch(/SARIF1002/);
      expect(bad.multitool('Gh').join('\n')).toMatch(/GH1018/);
    } finally {
      bad.dispose();
    }
  });

  it.each(['Sarif', 'Gh'] as const)('reports no error and no warning with --rule-kind %s for every log above', (kind) => {
    expect(sarifs.files.length).toBeGreaterThanOrEqual(10);
    expect(sarifs.multitool(kind)).toEqual([]);
  });
});
