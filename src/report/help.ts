// A rule's help, as plain text (`eqscheck explain`, SARIF help.text) and as
// Markdown (SARIF help.markdown, which GitHub shows beside an alert).
import type { RuleMeta } from '../rules/types.js';

/** The rule's help as Markdown: what it reports and why, the fix, and an
 *  example of code it reports with the same code fixed. */
export function helpMarkdown(rule: RuleMeta): string {
  return `${rule.fullDescription}\n\n**How to fix:** ${rule.help.text}\n\n` +
    `Reported:\n\n\`\`\`c\n${rule.help.bad}\n\`\`\`\n\nFixed:\n\n\`\`\`c\n${rule.help.good}\n\`\`\`\n`;
}

function wrap(text: string, width: number): string {
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
