// Hostile inputs (issue 12), generated small: nesting deeper than the CFG builder
// looks is cut and named in the summary; chains that are long rather than deep are
// walked to their far end (where a finding waits); nothing ends in a stack trace.
// Their full sizes, with time and memory, are in `npm run bench:robustness`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_CALL_DEPTH } from '../src/analysis/interpreter.js';
import { MAX_NESTING, NESTING_CUT_TEXT } from '../src/cfg/build.js';
import { MAX_FUNCTION_CHARS, tooLargeText } from '../src/parser/parse.js';
// @ts-expect-error a plain module shared with the benchmark
import { HOSTILE_INPUTS } from '../bench/hostile-inputs.mjs';
import { run } from './helpers/kernel-tree.js';

interface HostileInput {
  name: string; full: number; make: (n: number) => string;
  deep?: boolean; finding?: boolean; prefilter?: false; tooDeepCalls?: boolean;
}

const inputs = HOSTILE_INPUTS as HostileInput[];
const dir = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-robustness-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Small, yet past every bound: twice the nesting the builder looks into, chains
 *  long enough that walking them recursively would exhaust the stack. */
function smallSize(input: HostileInput): number {
  if (input.deep) return 2 * MAX_NESTING;
  if (input.tooDeepCalls) return MAX_CALL_DEPTH + 50;
  if (input.name === 'long-line' || input.name === 'big-file') return 200_000;
  return Math.min(input.full, 5_000);
}

describe('hostile inputs end in a report, never a stack trace', () => {
  for (const input of inputs) {
    it(`${input.name}${input.prefilter === false ? ' (--no-prefilter)' : ''}`, async () => {
      const file = path.join(dir, `${input.name}.c`);
      const text = input.make(smallSize(input));
      writeFileSync(file, text);
      const r = await run(['scan', '--no-cache', ...(input.prefilter === false ? ['--no-prefilter'] : []), file]);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(r.code).toBe(input.finding ? 1 : 0);
      const cutLines = r.stdout.split('\n').filter((l) => l.endsWith(NESTING_CUT_TEXT));
      if (input.deep) {
        const fn = /^void (\w+)\(/m.exec(text)![1]!;
        expect(cutLines).toEqual([`eqscheck: ${file}:${text.split('\n').findIndex((l) => l.startsWith(`void ${fn}(`)) + 1}: ${fn}(): ${NESTING_CUT_TEXT}`]);
      } else {
        expect(cutLines).toEqual([]);
      }
      if (input.finding) expect(r.stdout).toContain(`[${input.finding}]`);
      if (input.tooDeepCalls) expect(r.stdout).toContain(`calls deeper than ${MAX_CALL_DEPTH} levels not followed (taken to do nothing) from 1 function(s)`);
    });
  }

  it('the cut is a SARIF notification at the function', async () => {
    const input = inputs.find((i) => i.name === 'nested-braces')!;
    const file = path.join(dir, 'sarif-nested.c');
    writeFileSync(file, input.make(2 * MAX_NESTING));
    const r = await run(['scan', '--no-cache', '-f', 'sarif', file]);
    const notifications = JSON.parse(r.stdout).runs[0].invocations[0].toolExecutionNotifications as
      { descriptor: { id: string }; message: { text: string }; locations: { physicalLocation: { region: { startLine: number } } }[] }[];
    const cut = notifications.filter((n) => n.descriptor.id === 'function-cut');
    expect(cut.map((n) => n.message.text)).toEqual([`deep_braces() in ${file}: ${NESTING_CUT_TEXT}`]);
    expect(cut[0]!.locations[0]!.physicalLocation.region.startLine).toBe(1);
  });

  it('a function larger than MAX_FUNCTION_CHARS is not analysed, and the summary says so', async () => {
    const file = path.join(dir, 'too-large.c');
    // A comment makes it large at little cost to parse.
    const big = `void too_large(void)\n{\n\tlocal_irq_disable();\n\tguest_state_enter_irqoff();\n\tlocal_irq_enable();\n/* ${'x'.repeat(MAX_FUNCTION_CHARS)} */\n}\n`;
    writeFileSync(file, `${big}\nvoid small(void)\n{\n\tlocal_irq_disable();\n\tguest_state_enter_irqoff();\n\tlocal_irq_enable();\n}\n`);
    const r = await run(['scan', '--no-cache', file]);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n').filter((l) => l.includes('[irq-enabled-in-eqs]')).map((l) => l.split(':')[1])).toEqual(['13']);
    expect(r.stdout).toContain(`eqscheck: ${file}:1: too_large(): ${tooLargeText(big.length - 1)}`);
  });

  it('nesting just within the bound is analysed whole: its innermost call is seen', async () => {
    // MAX_NESTING counts statements; a function body and the call's expressions
    // take a few levels of it.
    const depth = MAX_NESTING - 10;
    const file = path.join(dir, 'within.c');
    writeFileSync(file, `void within(void)\n{\n\tlocal_irq_disable();\n\tguest_state_enter_irqoff();\n${'{'.repeat(depth)} local_irq_enable(); ${'}'.repeat(depth)}\n\tguest_state_exit_irqoff();\n}\n`);
    const r = await run(['scan', '--no-cache', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain(NESTING_CUT_TEXT);
  });
});
