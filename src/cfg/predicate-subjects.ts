// The subject of a branch on a predicate without side effects (`if
// (user_mode(regs))`): named by the call's text, so that a second test of the
// same call reads what the first learnt. It depends on the variables of its
// arguments and on the memory they point to (`*regs`, written by `regs->x =
// …`): an assignment to either forgets it, as does going round a loop (the
// walks' edges), where the same test may see new memory.
import { ANY_SIGN, type Edge, type EdgeKind, type SignSet } from './types.js';

const PREFIX = '?';

export function predicateSubject(name: string, argTexts: readonly string[]): string {
  return `${PREFIX}${name}(${argTexts.map((t) => t.replace(/\s+/g, '')).join(',')})`;
}

export function isPredicateSubject(subject: string): boolean {
  return subject.startsWith(PREFIX);
}

/** The name standing for the memory reached through a variable. */
export function memoryOf(variable: string): string {
  return `*${variable}`;
}

const dependencies = new Map<string, readonly string[]>();

/** The variables (and their memory) a predicate subject depends on. */
export function predicateDependencies(subject: string): readonly string[] {
  let deps = dependencies.get(subject);
  if (!deps) {
    const args = subject.slice(subject.indexOf('(') + 1, -1);
    const names = new Set<string>();
    // Field names after `.`/`->` are not variables.
    for (const m of args.matchAll(/(\.|->)?\b([A-Za-z_]\w*)/g)) if (!m[1]) names.add(m[2]!);
    deps = [...names].flatMap((n) => [n, memoryOf(n)]);
    dependencies.set(subject, deps);
  }
  return deps;
}

/** An assignment to `variable` (or a write through it) makes what was learnt of `subject` stale. */
export function isStaleAfterAssigning(subject: string, variable: string): boolean {
  return isPredicateSubject(subject) && predicateDependencies(subject).includes(variable);
}

/** Edges after which a predicate may answer anew: round a loop, or back to a label. */
const REPEATING_EDGES: ReadonlySet<EdgeKind> = new Set(['back', 'continue', 'goto']);

export function forgetsPredicates(edge: Edge): boolean {
  return REPEATING_EDGES.has(edge.kind);
}

/** What a path has learnt of predicate subjects, for walks that keep no other facts. */
export type PredicateKnowledge = ReadonlyMap<string, SignSet>;

export function describeKnowledge(known: PredicateKnowledge): string {
  return known.size ? JSON.stringify([...known].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : '';
}

export function forgetDependents(known: PredicateKnowledge, variable: string): PredicateKnowledge {
  if (!known.size) return known;
  const out = new Map([...known].filter(([k]) => !isStaleAfterAssigning(k, variable)));
  return out.size === known.size ? known : out;
}

/** The knowledge after an edge, or null when the edge contradicts it. */
export function followPredicateEdge(known: PredicateKnowledge, edge: Edge): PredicateKnowledge | null {
  const base = forgetsPredicates(edge) ? new Map<string, SignSet>() : known;
  if (!edge.cond || !isPredicateSubject(edge.cond.subject)) return base;
  const before = base.get(edge.cond.subject) ?? ANY_SIGN;
  const after = before & edge.cond.signs;
  if (after === 0) return null;
  if (after === before) return base;
  return new Map([...base, [edge.cond.subject, after]]);
}
