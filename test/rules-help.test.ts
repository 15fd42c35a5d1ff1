// Rules that explain themselves: each rule's help carries an example of code it
// reports and the same code fixed; the examples must be true. Each is put in a
// function that is entered with interrupts on and disables them around the
// snippet, like a vCPU run loop.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeFiles } from '../src/run/analyze.js';
import { RULES } from '../src/rules/index.js';

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-rules-help-')); });
afterAll(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

/** A snippet of statements runs inside a function; one that is a definition itself stands alone. */
function wrap(snippet: string): string {
  if (/^[^\n]*\)\n\{\n/.test(snippet)) return `struct kvm_vcpu;\n\n${snippet}\n`;
  const body = snippet.split('\n').map((l) => `\t${l}`).join('\n');
  return `struct kvm_vcpu;\n\nint example(struct kvm_vcpu *vcpu)\n{\n\tint ret = 0;\n\n\tlocal_irq_disable();\n${body}\n\tlocal_irq_enable();\n\treturn ret;\n}\n`;
}

async function findingsOf(name: string, snippet: string) {
  const p = path.join(tmp, name, 'example.c');
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, wrap(snippet));
  const result = await analyzeFiles([p], { rules: RULES, explicit: new Set([p]) });
  return result.findings;
}

describe.each(RULES.map((r) => [r.id, r] as const))('%s help', (id, rule) => {
  it('has a one-line short description, a fix and both examples', () => {
    expect(rule.shortDescription).not.toMatch(/\n/);
    expect(rule.shortDescription.length).toBeLessThanOrEqual(120);
    expect(rule.help.text.length).toBeGreaterThan(0);
    expect(rule.help.bad).not.toBe(rule.help.good);
  });

  it('reports its bad example', async () => {
    const findings = await findingsOf(`${id}-bad`, rule.help.bad);
    expect(findings.map((f) => f.ruleId)).toContain(id);
  });

  it('reports nothing in its good example', async () => {
    const findings = await findingsOf(`${id}-good`, rule.help.good);
    expect(findings.map((f) => `${f.ruleId}: ${f.message}`)).toEqual([]);
  });
});
