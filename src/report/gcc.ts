// Diagnostics in gcc's form, for kbuild's `make C=1 CHECK=…` (eqscheck check):
// `file:line:col: error: message [rule]`, then each step of the witness path as
// a `note:` at its own place, as gcc prints the notes of one diagnostic, so that
// editors and build logs that read gcc's output find every line.
import type { Finding } from '../analysis/interpreter.js';
import { describeEvent } from './describe.js';
import { levelOf } from './severity.js';

export function formatGcc(findings: readonly Finding[]): string {
  const lines: string[] = [];
  for (const f of findings) {
    const at = `${f.file}:${f.line}:${f.column}:`;
    lines.push(`${at} ${levelOf(f.severity)}: ${f.message} [${f.ruleId}]`);
    for (const t of f.trace) lines.push(`${t.file}:${t.line}:${t.column}: note: ${'  '.repeat(t.depth)}${describeEvent(t.event)}`);
    for (const r of f.related ?? []) lines.push(`${r.file}:${r.line}:${r.column}: note: also: ${r.message}`);
    for (const n of f.notes) lines.push(`${at} note: ${n}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
