// The fixtures' inline annotations, on the line of each finding:
//   /* expect: rule-id */                       the line must be reported by the rule
//   /* expect: rule-id {{fragment}} {{more}} */ ... by a finding whose message holds every fragment
//   /* expect: rule-a, rule-b {{fragment}} */   several rules on one line
//   /* known-miss: rule-id */                   a real bug we do not find (fails when found)
//   /* known-fp: rule-id */                     a false positive we still report
// Every other line must stay quiet (Clang Static Analyzer's `expected-warning {{...}}`).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES_DIR } from './fixture-units.js';

export type AnnotationKind = 'expect' | 'known-miss' | 'known-fp';

export interface Annotation {
  kind: AnnotationKind;
  /** `file:line: rule-id`, the file relative to fixtures/. */
  key: string;
  /** Texts the finding's message must contain (none: any message). */
  fragments: string[];
}

/** A reported finding, keyed as annotations are. */
export interface Reported {
  key: string;
  message: string;
}

export function findingKey(file: string, line: number, ruleId: string): string {
  return `${path.relative(FIXTURES_DIR, path.resolve(file))}:${line}: ${ruleId}`;
}

const COMMENT = /\/\*\s*(expect|known-miss|known-fp):(.*?)\*\//g;
/** One rule and its fragments, then a comma or the end. */
const ENTRY = /\s*([a-z0-9-]+)((?:\s*\{\{.*?\}\})*)\s*(?:,|$)/y;

/** The annotations of one file's text (`file` names it in keys and errors). */
export function parseAnnotations(text: string, file: string): Annotation[] {
  const out: Annotation[] = [];
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(COMMENT)) {
      const body = m[2]!;
      ENTRY.lastIndex = 0;
      while (ENTRY.lastIndex < body.length) {
        const entry = ENTRY.exec(body);
        if (!entry) throw new Error(`${file}:${i + 1}: malformed annotation '${m[0]}' (want: ${m[1]}: rule-id {{message fragment}}, ...)`);
        const fragments = [...entry[2]!.matchAll(/\{\{(.*?)\}\}/g)].map((f) => f[1]!);
        if (fragments.some((f) => !f.trim())) throw new Error(`${file}:${i + 1}: empty {{}} in '${m[0]}'`);
        if (fragments.length && m[1] === 'known-miss') throw new Error(`${file}:${i + 1}: a known miss has no message to check: '${m[0]}'`);
        out.push({ kind: m[1] as AnnotationKind, key: findingKey(file, i + 1, entry[1]!), fragments });
      }
    }
  });
  return out;
}

export function readAnnotations(files: readonly string[]): Annotation[] {
  return files.flatMap((f) => parseAnnotations(readFileSync(f, 'utf8'), f));
}

export interface Verdict {
  /** Expected, not reported. */
  missing: string[];
  /** Reported, not expected. */
  unexpected: string[];
  /** A known miss that is now found: update its annotation. */
  nowFoundKnownMisses: string[];
  /** Reported where expected, but no finding there has every fragment in its message. */
  wrongMessages: { at: string; wants: string[]; messages: string[] }[];
}

export const CLEAN: Verdict = { missing: [], unexpected: [], nowFoundKnownMisses: [], wrongMessages: [] };

export function checkAnnotations(notes: readonly Annotation[], reported: readonly Reported[]): Verdict {
  const reportedKeys = new Set(reported.map((r) => r.key));
  const expected = new Set(notes.filter((n) => n.kind !== 'known-miss').map((n) => n.key));
  const knownMisses = notes.filter((n) => n.kind === 'known-miss').map((n) => n.key);
  const nowFoundKnownMisses = knownMisses.filter((k) => reportedKeys.has(k));
  const wrongMessages: Verdict['wrongMessages'] = [];
  for (const note of notes) {
    if (note.kind === 'known-miss' || !note.fragments.length) continue;
    const messages = reported.filter((r) => r.key === note.key).map((r) => r.message);
    if (messages.length && !messages.some((m) => note.fragments.every((f) => m.includes(f)))) {
      wrongMessages.push({ at: note.key, wants: note.fragments, messages });
    }
  }
  return {
    missing: [...expected].filter((k) => !reportedKeys.has(k)),
    unexpected: [...reportedKeys].filter((k) => !expected.has(k) && !nowFoundKnownMisses.includes(k)),
    nowFoundKnownMisses,
    wrongMessages,
  };
}
