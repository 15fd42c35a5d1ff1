// Predicates without side effects, read from the text of a file and its
// headers: function-like macros whose body is one expression (`#define
// user_mode(regs) (((regs)->status & SR_PP) == 0)`) and inline functions whose
// body only returns expressions (`return vcpu->arch.hflags & HF_GUEST_MASK;`,
// one per `#ifdef` arm). An expression may test fields and constants and call
// other such predicates; an assignment, `++`/`--` or any other call makes it
// a candidate no more. The CFG builder lets a test of one of them, asked twice
// of the same arguments, give the same answer (cfg/build's predicate subjects).
import { blankComments } from '../parser/blank.js';

/** A candidate predicate: the names its body calls (all must be predicates too). */
export type PredicateCandidates = Map<string, string[]>;

/** Calls an expression may make and stay free of side effects. */
const HARMLESS_CALLS = new Set(['sizeof', 'typeof', '__typeof__', 'likely', 'unlikely', '__builtin_expect', '__builtin_constant_p', 'defined']);

const C_KEYWORDS = new Set(['return', 'if', 'while', 'for', 'switch', 'do', 'else', 'int', 'bool', 'unsigned', 'long', 'char', 'short', 'const', 'struct', 'void']);

const FUNCTION_LIKE_MACRO = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)\(([^)]*)\)((?:[^\n\\]|\\[^\n]|\\\n)*)$/gm;
const INLINE_FUNCTION = /\b(?:static\s+)?(?:__always_inline|inline|__inline__|__inline)\b[^;{}()=]*?\b([A-Za-z_]\w*)\s*\(([^;{}()]*)\)\s*\{/g;

/** The names an expression calls, or null when it may have a side effect. */
function callsOfPureExpression(expr: string): string[] | null {
  if (/[;{}]/.test(expr) || /\+\+|--|<<=|>>=/.test(expr)) return null;
  if (/=/.test(expr.replace(/[=!<>]=/g, ''))) return null;
  const calls: string[] = [];
  for (const m of expr.matchAll(/([A-Za-z_]\w*)\s*\(/g)) {
    const name = m[1]!;
    if (!HARMLESS_CALLS.has(name) && !C_KEYWORDS.has(name)) calls.push(name);
  }
  return calls;
}

/** The position of the `}` that closes the `{` just before `from`, or -1. */
function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

/** A body of `return EXPR;` statements between preprocessor lines: the calls its expressions make, or null. */
function callsOfReturningBody(body: string): string[] | null {
  const statements = body.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n').split(';').map((s) => s.trim()).filter(Boolean);
  if (!statements.length) return null;
  const calls: string[] = [];
  for (const s of statements) {
    const m = /^return\b([\s\S]*)$/.exec(s);
    const inner = m ? callsOfPureExpression(m[1]!) : null;
    if (!inner) return null;
    calls.push(...inner);
  }
  return calls;
}

/** Adds the candidates a file's text defines (with at least one parameter: a
 *  predicate of nothing reads global state, which the code between two tests may change). */
export function readPredicateCandidates(text: string, into: PredicateCandidates): void {
  const clean = blankComments(text);
  for (const m of clean.matchAll(FUNCTION_LIKE_MACRO)) {
    if (!m[2]!.trim() || into.has(m[1]!)) continue;
    const body = m[3]!.replace(/\\\n/g, ' ').trim();
    const calls = body ? callsOfPureExpression(body) : null;
    if (calls) into.set(m[1]!, calls);
  }
  for (const m of clean.matchAll(INLINE_FUNCTION)) {
    const params = m[2]!.trim();
    if (!params || params === 'void' || into.has(m[1]!)) continue;
    const open = m.index! + m[0].length;
    const close = closingBrace(clean, open);
    if (close < 0) continue;
    const calls = callsOfReturningBody(clean.slice(open, close));
    if (calls) into.set(m[1]!, calls);
  }
}

/** Whether a name is a predicate: a candidate whose every call is to another
 *  predicate (a greatest fixed point: mutually calling candidates are), not
 *  `excluded` (the model's primitives, which have effects of their own).
 *  Worked out per name when first asked: a file asks of the few it tests, of
 *  thousands of candidates its headers define. */
export function purePredicates(candidates: PredicateCandidates, excluded: (name: string) => boolean): { has(name: string): boolean } {
  const known = new Map<string, boolean>();
  const isPure = (name: string, visiting: Set<string>): boolean => {
    const memo = known.get(name);
    if (memo !== undefined) return memo;
    if (visiting.has(name)) return true;
    const calls = candidates.get(name);
    if (!calls || excluded(name)) { known.set(name, false); return false; }
    visiting.add(name);
    const pure = calls.every((c) => isPure(c, visiting));
    visiting.delete(name);
    // Inside a cycle the answer holds only once the cycle's first name is settled.
    if (!pure || !visiting.size) known.set(name, pure);
    return pure;
  };
  return { has: (name) => isPure(name, new Set()) };
}
