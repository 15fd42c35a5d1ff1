// A rule's help, as plain text (`eqscheck explain`, SARIF help.text) and as
// Markdown (SARIF help.markdown, which GitHub shows beside an alert).
import { SHALLOW_LEVELS } from '../analysis/interpreter.js';
import type { RuleMeta } from '../rules/types.js';

/** What every rule's analysis follows (the README says the same). */
export const ANALYSIS_SCOPE = 'What is followed: every path of a function that may enter or leave a context or guest time ' +
  'accounting, and whatever runs inside an EQS window (between a context\'s enter and its exit, and in the exit handlers ' +
  'entered inside one), at any call depth. A callee called outside every window that cannot reach a context or ' +
  `accounting operation is read for what its own body does to interrupts, ${SHALLOW_LEVELS} levels deep (the inline ` +
  'functions and macros it calls count as its body), and below that its calls are taken to return with the interrupt ' +
  'state they were entered with.';

/** The rule's help as Markdown: what it reports and why, the fix, and an
 *  example of code it reports with the same code fixed. */
export function helpMarkdown(rule: RuleMeta): string {
  return `${rule.fullDescription}\n\n**How to fix:** ${rule.help.text}\n\n` +
    `Reported:\n\n\`\`\`c\n${rule.help.bad}\n\`\`\`\n\nFixed:\n\n\`\`\`c\n${rule.help.good}\n\`\`\`\n`;
}

export function wrap(text: string, width: number): string {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) { out.push(line); line = word; } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out.join('\n');
}

/** The same as plain text, wrapped at 80 columns (what `eqscheck explain` prints after its header). */
export function helpText(rule: RuleMeta): string {
  const indent = (s: string) => s.split('\n').map((l) => `    ${l}`).join('\n');
  return `${wrap(rule.fullDescription, 80)}\n\n${wrap(`How to fix: ${rule.help.text}`, 80)}\n\n` +
    `Reported:\n${indent(rule.help.bad)}\n\nFixed:\n${indent(rule.help.good)}\n`;
}
