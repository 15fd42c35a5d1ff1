// Expansion of make text: variable references, substitution references and the
// text functions kbuild Makefiles use on object and flag lists. What cannot be
// expanded (an unknown variable, $(call), $(shell), $(wildcard)) stays as
// written, so a caller can tell a resolved word from one that is not.
import { skipReference } from './makefile.js';

export type Lookup = (name: string) => string | undefined;

export const words = (text: string): string[] => text.split(/\s+/).filter((w) => w !== '');

/** Whether a word still holds a reference expansion could not resolve. */
export const unresolved = (word: string): boolean => word.includes('$(') || word.includes('${');

/** make's `%` patterns: the stem when `word` matches `pattern`, else null. */
function matchPattern(pattern: string, word: string): string | null {
  const p = pattern.indexOf('%');
  if (p < 0) return pattern === word ? '' : null;
  const [prefix, suffix] = [pattern.slice(0, p), pattern.slice(p + 1)];
  if (word.length < prefix.length + suffix.length || !word.startsWith(prefix) || !word.endsWith(suffix)) return null;
  return word.slice(prefix.length, word.length - suffix.length);
}

function patsubst(pattern: string, replacement: string, text: string): string {
  return words(text).map((w) => {
    const stem = matchPattern(pattern, w);
    if (stem === null) return w;
    return replacement.includes('%') ? replacement.replace('%', stem) : replacement;
  }).join(' ');
}

const matchesAny = (patterns: string, w: string): boolean => words(patterns).some((p) => matchPattern(p, w) !== null);

const FUNCTIONS: Record<string, (args: string[]) => string> = {
  addprefix: ([p = '', list = '']) => words(list).map((w) => p.trim() + w).join(' '),
  addsuffix: ([s = '', list = '']) => words(list).map((w) => w + s.trim()).join(' '),
  patsubst: ([p = '', r = '', text = '']) => patsubst(p.trim(), r.trim(), text),
  subst: ([from = '', to = '', text = '']) => (from === '' ? text : text.split(from).join(to)),
  filter: ([p = '', text = '']) => words(text).filter((w) => matchesAny(p, w)).join(' '),
  'filter-out': ([p = '', text = '']) => words(text).filter((w) => !matchesAny(p, w)).join(' '),
  strip: ([text = '']) => words(text).join(' '),
  sort: ([text = '']) => [...new Set(words(text))].sort().join(' '),
  firstword: ([text = '']) => words(text)[0] ?? '',
  notdir: ([text = '']) => words(text).map((w) => w.slice(w.lastIndexOf('/') + 1)).join(' '),
  basename: ([text = '']) => words(text).map((w) => w.replace(/\.[^./]*$/, '')).join(' '),
  if: ([cond = '', then = '', otherwise = '']) => (unresolved(cond) ? `$(if ${cond},${then},${otherwise})` : cond.trim() !== '' ? then : otherwise),
};

/** Function arguments: split at commas outside references. */
function splitArgs(text: string): string[] {
  const args: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '$' && (text[i + 1] === '(' || text[i + 1] === '{')) i = skipReference(text, i) - 1;
    else if (text[i] === ',') { args.push(text.slice(start, i)); start = i + 1; }
  }
  args.push(text.slice(start));
  return args;
}

const MAX_DEPTH = 16;

function reference(inner: string, written: string, lookup: Lookup, depth: number): string {
  if (depth > MAX_DEPTH) return written;
  const call = /^([a-z-]+)\s/.exec(inner);
  if (call) {
    const fn = FUNCTIONS[call[1] as string];
    if (!fn) return written;
    return fn(splitArgs(inner.slice(call[0].length)).map((a) => expand(a, lookup, depth + 1)));
  }
  const name = expand(inner, lookup, depth + 1);
  const substitution = /^([^:\s]+):([^=]*)=(.*)$/.exec(name);
  if (substitution) {
    const value = lookup(substitution[1] as string);
    if (value === undefined) return written;
    const [from, to] = [substitution[2] as string, substitution[3] as string];
    return from.includes('%') ? patsubst(from, to, value) : patsubst(`%${from}`, `%${to}`, value);
  }
  const value = lookup(name);
  return value === undefined ? written : value;
}

/** `text` with every reference `lookup` can answer expanded. */
export function expand(text: string, lookup: Lookup, depth = 0): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c !== '$' || next === undefined) { out += c; continue; }
    if (next === '$') { out += '$'; i++; continue; }
    if (next === '(' || next === '{') {
      const end = skipReference(text, i);
      out += reference(text.slice(i + 2, end - 1), text.slice(i, end), lookup, depth);
      i = end - 1;
      continue;
    }
    const value = lookup(next);
    out += value === undefined ? `$${next}` : value;
    i++;
  }
  return out;
}

/** The plain variable names `text` refers to, nested references included (not function names). */
export function referencedNames(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/\$[({]([A-Za-z0-9_.\-/]+)[)}:]/g)) names.add(m[1] as string);
  return [...names];
}
