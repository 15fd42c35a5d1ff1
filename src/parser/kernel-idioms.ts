// Kernel C is not ISO C. Before tree-sitter sees a file, a few idioms that would
// silently mis-parse (attribute macros between the type and the name turn
// `static int __init f(void)` into a nameless function) or break the parse
// (iterator macros followed by a block, GNU case ranges) are rewritten.
// Every rewrite keeps the text's length and line breaks, so offsets, lines
// and columns reported later are those of the original file.

import { endianness } from 'node:os';
import { conditionalRole, directiveOf } from './directives.js';

/** Annotation macros that expand to attributes, sections or sparse markers. */
export const ATTRIBUTE_MACROS: ReadonlySet<string> = new Set([
  'noinstr', '__noinstr', 'notrace', '__always_inline', '__FORTIFY_INLINE', 'noinline', '__noinline', '__always_unused',
  '__maybe_unused', '__used', '__unused', '__must_check', '__init', '__exit', '__initdata', '__initconst',
  '__exitdata', '__ref', '__refdata', '__meminit', '__init_or_module', '__sched', '__kprobes', '__cold',
  '__hot', '__weak', '__visible', 'asmlinkage', '__noreturn', '__flatten', '__nocfi', '__cpuidle',
  '__irq_entry', '__attribute_const__', '__pure', '__latent_entropy', '__hyp_text', '__no_kcsan',
  '__no_sanitize_address', '__no_kasan_or_inline', '__no_sanitize_or_inline', '__nostackprotector',
  '__naked', '__malloc', '__deprecated', '__randomize_layout', '__packed', '__read_mostly',
  '__ro_after_init', '__cacheline_aligned', '____cacheline_aligned', '__cacheline_aligned_in_smp',
  '____cacheline_aligned_in_smp', '__page_aligned_bss', '__page_aligned_data', '__user', '__kernel',
  '__iomem', '__percpu', '__rcu', '__force', '__nocast', '__safe', '__private', '__bitwise',
  '__nonstring', '__lockfunc', '__noclone',
  '__no_stack_protector', '__no_profile', '__noscs', '__no_randomize_layout', '__designated_init',
  '__init_memblock', '__initdata_memblock', '__head', '__ksym',
]);

/** Annotation macros that take a parenthesised argument list, blanked with it. */
export const ATTRIBUTE_MACROS_WITH_ARGS: ReadonlySet<string> = new Set([
  '__acquires', '__releases', '__must_hold', '__section', '__aligned', '__printf', '__scanf',
  '__alloc_size', '__counted_by', '__cond_acquires', '__diag_ignore', '__assume_aligned', '__diagnose_as',
]);

const ITERATOR_NAME = /for_each|foreach/;

/** Callees whose arguments may legitimately be types (tree-sitter knows them). */
const TYPE_TAKING = new Set([
  'if', 'while', 'for', 'switch', 'return', 'sizeof', 'typeof', '__typeof__', '__typeof', 'alignof', '__alignof__',
  '__alignof', '_Alignof', 'offsetof', '__builtin_offsetof', '_Generic', '__builtin_types_compatible_p', 'defined',
  'asm', '__asm__', '__asm', '__attribute__', 'do', 'else', 'case', '__builtin_va_arg',
]);

const SCALAR = String.raw`(?:(?:unsigned|signed)\s+)?(?:char|short|int|long(?:\s+long)?|unsigned|signed|bool|_Bool|void|float|double|[us](?:8|16|32|64)|__[us](?:8|16|32|64)|size_t|ssize_t|uintptr_t|phys_addr_t|gfn_t|gpa_t|gva_t|hva_t|hpa_t|ulong|uint|loff_t)(?:\s+int)?`;
/** A macro argument that is a type: `struct x *`, `unsigned int`, `foo_t *`, `typeof(x)`. */
const TYPE_ARGUMENT = new RegExp(String.raw`^(?:(?:const|volatile)\s+)*(?:(?:struct|union|enum)\s+\w+|${SCALAR}|\w+(?=\s*\*))(?:\s*\*+\s*(?:const\b\s*)?)*$|^(?:typeof|__typeof__)\s*\(`);

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isIdentChar(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}

/** Index just past the parenthesised group opening at `open`, or -1. */
function skipParens(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') { if (--depth === 0) return i + 1; }
    else if (c === '"' || c === "'") i = skipQuoted(text, i);
    else if (c === ';' || c === '{' || c === '}') return -1;
  }
  return -1;
}

function skipQuoted(text: string, start: number): number {
  const q = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === q || text[i] === '\n') return i;
  }
  return text.length;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i]!)) i++;
  return i;
}

/** The last character before `i` that is neither white space nor in a comment
 *  (`i` is in code, not in a comment). A `//` comment can only hide what is on an
 *  earlier line: the line is searched for one only once a line break is crossed
 *  (searching every time costs the line's length per name: quadratic in a long line). */
function prevNonSpace(text: string, i: number): number {
  let crossedLine = false;
  for (;;) {
    while (i >= 0 && /\s/.test(text[i]!)) { if (text.charCodeAt(i) === NEWLINE) crossedLine = true; i--; }
    if (i > 0 && text[i] === '/' && text[i - 1] === '*') {
      const open = text.lastIndexOf('/*', i - 2);
      if (open < 0) return i;
      for (let k = open; k < i && !crossedLine; k++) if (text.charCodeAt(k) === NEWLINE) crossedLine = true;
      i = open - 1;
      continue;
    }
    if (!crossedLine) return i;
    const lineStart = text.lastIndexOf('\n', i) + 1;
    const lineComment = text.slice(lineStart, i + 1).indexOf('//');
    if (lineComment >= 0 && !text.slice(lineStart, lineStart + lineComment).includes('"')) {
      i = lineStart + lineComment - 1;
      continue;
    }
    return i;
  }
}

/** The [start, end) ranges of the top-level arguments of the call whose '(' is at `open`. */
function callArguments(text: string, open: number): [number, number][] | null {
  const args: [number, number][] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < text.length && i < open + 4000; i++) {
    const c = text[i];
    if (c === '"' || c === "'") { i = skipQuoted(text, i); continue; }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (--depth === 0) { args.push([start, i]); return args; }
    } else if (c === ',' && depth === 1) { args.push([start, i]); start = i + 1; }
    else if (c === ';' && depth === 1) return null;
  }
  return null;
}

/** The text being rewritten, as UTF-16 code units (a copy that edits in place;
 *  splitting into one string per character cost more than the rewrites). */
type Chars = Uint16Array;
const NEWLINE = 10;
const SPACE_CODE = 32;

function blank(chars: Chars, from: number, to: number): void {
  for (let i = from; i < to; i++) if (chars[i] !== NEWLINE) chars[i] = SPACE_CODE;
}

function toChars(text: string): Chars {
  const chars = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) chars[i] = text.charCodeAt(i);
  return chars;
}

const LITTLE_ENDIAN = endianness() === 'LE';

function fromChars(chars: Chars): string {
  // The code units' bytes are UTF-16LE on a little-endian machine: one native decode.
  if (LITTLE_ENDIAN) return Buffer.from(chars.buffer, chars.byteOffset, chars.byteLength).toString('utf16le');
  const parts: string[] = [];
  for (let k = 0; k < chars.length; k += 8192) parts.push(String.fromCharCode(...chars.subarray(k, k + 8192)));
  return parts.join('');
}

/** True when the token ending at `end` (exclusive) is the keyword `word`. */
function endsWithWord(text: string, end: number, word: string): boolean {
  const start = end - word.length;
  return start >= 0 && text.slice(start, end) === word && (start === 0 || !isIdentChar(text.charCodeAt(start - 1)));
}

/** An iterator macro can only start a statement after one of these. */
function atStatementStart(text: string, nameStart: number): boolean {
  const p = prevNonSpace(text, nameStart - 1);
  if (p < 0) return true;
  const c = text[p];
  if (c === ';' || c === '{' || c === '}' || c === ':' || c === ')') return true;
  return endsWithWord(text, p + 1, 'else');
}

export interface NormalizeResult {
  text: string;
  rewrites: number;
  /** Offsets of the `while` keywords that stand for iterator macros: their
   *  condition is the macro's argument list, which tests nothing we know. */
  iteratorLoops: Set<number>;
}

export function normalizeKernelC(text: string): NormalizeResult {
  const chars = toChars(text);
  let rewrites = 0;
  const iteratorLoops = new Set<number>();
  let lineStart = true;
  let inDirective = false;
  let braceDepth = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const c = text[i];
    if (c === '\n') {
      if (!(i > 0 && text[i - 1] === '\\')) inDirective = false;
      lineStart = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f') continue;
    if (lineStart && c === '#') {
      inDirective = true;
      if (braceDepth > 0 && splitsExpression(text, i)) {
        rewrites += keepFirstArm(text, chars, i);
        i = text.indexOf('\n', i) - 1;
        if (i < 0) break;
        continue;
      }
    }
    const firstOnLine = lineStart;
    lineStart = false;
    if (!inDirective && c === '{') braceDepth++;
    else if (!inDirective && c === '}') braceDepth = Math.max(0, braceDepth - 1);
    if (c === '/' && text[i + 1] === '/') { while (i < text.length && text[i] !== '\n') i++; i--; continue; }
    if (c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      const end = e < 0 ? text.length : e + 2;
      // tree-sitter loses a #define's line continuation after a block comment.
      if (inDirective) { blank(chars, i, end); rewrites++; }
      i = end - 1;
      continue;
    }
    if (c === '"' || c === "'") { i = skipQuoted(text, i); continue; }
    if (!isIdentStart(code)) continue;
    let end = i + 1;
    while (end < text.length && isIdentChar(text.charCodeAt(end))) end++;
    const word = text.slice(i, end);
    if (!inDirective) {
      if (firstOnLine && braceDepth === 0 && /^[A-Z][A-Z0-9_]*$/.test(word) && fileScopeMacroLine(text, end)) {
        // `BUILD_NVMX_MSR_INTERCEPT_HELPER(read)` alone on a line at file scope, with
        // no `;`: it defines things we cannot see, and would swallow the next function.
        const close = skipParens(text, skipSpace(text, end));
        blank(chars, i, close);
        rewrites++;
        end = close;
      } else if (ATTRIBUTE_MACROS.has(word)) {
        blank(chars, i, end);
        rewrites++;
      } else if (ATTRIBUTE_MACROS_WITH_ARGS.has(word)) {
        const open = skipSpace(text, end);
        const close = text[open] === '(' ? skipParens(text, open) : -1;
        if (close > 0) { blank(chars, i, close); rewrites++; end = close; }
      } else if (word.length >= 8 && ITERATOR_NAME.test(word) && atStatementStart(text, i)) {
        const open = skipSpace(text, end);
        const close = text[open] === '(' ? skipParens(text, open) : -1;
        const next = close > 0 ? text[skipSpace(text, close)] : undefined;
        // A call statement ends with ';'; a loop macro is followed by its body.
        if (next !== undefined && next !== ';' && next !== ')' && next !== ',') {
          const loop = 'while' + ' '.repeat(word.length - 5);
          for (let k = 0; k < loop.length; k++) chars[i + k] = loop.charCodeAt(k);
          iteratorLoops.add(i);
          rewrites++;
        }
      } else if (word === 'case') {
        rewrites += blankCaseRange(text, chars, end);
      } else if (word === 'static' && /^\s+(?:DEFINE|DECLARE)_\w+\s*\(/.test(text.slice(end, end + 80))) {
        // `static DEFINE_RATELIMIT_STATE(rs, …);` in a body: a declaration macro.
        blank(chars, i, end);
        rewrites++;
      } else if ((word === 'asm' || word === '__asm__' || word === '__asm') && isIdentChar(text.charCodeAt(prevNonSpace(text, i - 1)))) {
        // `register unsigned long a0 asm("a0") = x;`: a register binding, not a statement.
        const open = skipSpace(text, end);
        const close = text[open] === '(' ? skipParens(text, open) : -1;
        const after = close > 0 ? text[skipSpace(text, close)] : undefined;
        if (after === '=' || after === ';' || after === ',') { blank(chars, i, close); rewrites++; end = close; }
      } else if (word === 'asm' || word === '__asm__' || word === '__asm') {
        rewrites += blankMacroAsmTemplate(text, chars, end);
      } else if (!TYPE_TAKING.has(word) && inExpression(text, i)) {
        rewrites += blankTypeArguments(text, chars, end);
      }
    }
    i = end - 1;
  }
  return { text: rewrites ? fromChars(chars) : text, rewrites, iteratorLoops };
}

const EXPRESSION_KEYWORDS = new Set(['return', 'case', 'else', 'do']);

/** A name at `start` followed by `(` is a call, not a declarator: what precedes it
 *  is an operator or punctuation (or `return`), not a type name or `*`. */
function inExpression(text: string, start: number): boolean {
  const p = prevNonSpace(text, start - 1);
  if (p < 0) return false;
  if (isIdentChar(text.charCodeAt(p))) {
    let b = p;
    while (b > 0 && isIdentChar(text.charCodeAt(b - 1))) b--;
    return EXPRESSION_KEYWORDS.has(text.slice(b, p + 1));
  }
  return text[p] !== '*';
}

/** An `#if` inside a body whose previous token leaves an expression open
 *  (`x &=`, `a |`, `f(a,`): tree-sitter cannot parse either arm as a statement. */
function splitsExpression(text: string, hash: number): boolean {
  if (!/^#\s*(?:if|ifdef|ifndef)\b/.test(text.slice(hash, hash + 12))) return false;
  const p = prevCodeChar(text, hash - 1);
  return p >= 0 && !';{}:)'.includes(text[p]!) && !(text[p] === '/' && text[p - 1] === '*');
}

/** The last non-space character before `i` outside comments and directive lines
 *  (`#endif` then `#ifdef`: the `f` of endif leaves no expression open). */
function prevCodeChar(text: string, i: number): number {
  for (let p = prevNonSpace(text, i); ;) {
    if (p < 0) return p;
    let lineStart = text.lastIndexOf('\n', p) + 1;
    while (lineStart >= 2 && text[lineStart - 2] === '\\') lineStart = text.lastIndexOf('\n', lineStart - 2) + 1;
    if (!/^[ \t]*#/.test(text.slice(lineStart, p + 1))) return p;
    p = prevNonSpace(text, lineStart - 1);
  }
}

/** Keeps the first arm of the conditional whose `#if` is at `hash`: its directive
 *  lines and the other arms are blanked (a mask built across `#ifdef`s loses the
 *  bits of the other configuration, which the analysis does not read). */
function keepFirstArm(text: string, chars: Chars, hash: number): number {
  const lineEnd = (at: number): number => { const e = text.indexOf('\n', at); return e < 0 ? text.length : e; };
  let depth = 0;
  let otherArmStart = -1;
  for (let at = hash; at < text.length; at = lineEnd(at) + 1) {
    const line = text.slice(at, lineEnd(at));
    const role = conditionalRole(directiveOf(line));
    if (role === 'open') depth++;
    else if (role === 'arm' && depth === 1 && otherArmStart < 0) otherArmStart = at;
    else if (role === 'close' && --depth === 0) {
      blank(chars, hash, lineEnd(hash));
      blank(chars, otherArmStart >= 0 ? otherArmStart : at, lineEnd(at));
      return 1;
    }
  }
  return 0;
}

/** After a macro name: a parenthesised argument list, then the end of the line,
 *  and the next line does not continue the statement (`;`) or open a body (`{`). */
function fileScopeMacroLine(text: string, nameEnd: number): boolean {
  const open = skipSpace(text, nameEnd);
  if (text[open] !== '(' || text.slice(nameEnd, open).includes('\n')) return false;
  const close = skipParens(text, open);
  if (close < 0) return false;
  const eol = text.indexOf('\n', close);
  if (text.slice(close, eol < 0 ? text.length : eol).trim() !== '') return false;
  const next = text[skipSpace(text, close)];
  return next !== ';' && next !== '{' && next !== ',' && next !== ')';
}

/** `asm volatile(ALTERNATIVE("nop", "isb", …) : …)`: a template built by macros is
 *  no string literal to tree-sitter; it becomes `""` (the template is never analysed). */
function blankMacroAsmTemplate(text: string, chars: Chars, afterKeyword: number): number {
  let open = skipSpace(text, afterKeyword);
  while (/^(?:volatile|__volatile__|inline|goto)\b/.test(text.slice(open, open + 12))) {
    open = skipSpace(text, open + (/^\w+/.exec(text.slice(open))![0].length));
  }
  if (text[open] !== '(') return 0;
  let depth = 0;
  let end = -1;
  for (let i = open; i < text.length && i < open + 8000; i++) {
    const c = text[i];
    if (c === '"' || c === "'") { i = skipQuoted(text, i); continue; }
    if (c === '/' && text[i + 1] === '*') { const e = text.indexOf('*/', i + 2); i = e < 0 ? text.length : e + 1; continue; }
    if (c === '(') depth++;
    else if (c === ')') { if (--depth === 0) { end = i; break; } }
    else if (c === ':' && depth === 1) { end = i; break; }
    else if (c === ';' || c === '{' || c === '}') return 0;
  }
  if (end < 0) return 0;
  const template = text.slice(open + 1, end).replace(/\/\*[\s\S]*?\*\//g, '').replace(/"(?:[^"\\\n]|\\.)*"/g, '');
  if (!template.trim()) return 0;
  // `""` on the first two columns of the template that are on one line.
  let at = open + 1;
  while (at + 1 < end && (text[at] === '\n' || text[at + 1] === '\n')) at++;
  if (at + 1 >= end) return 0;
  blank(chars, open + 1, end);
  chars[at] = 34; // ""
  chars[at + 1] = 34;
  return 1;
}

/** `container_of(p, struct x, m)`, `min_t(unsigned int, a, b)`: a type passed to a
 *  macro is no expression; it becomes `0` (no call can hide in a type). */
function blankTypeArguments(text: string, chars: Chars, nameEnd: number): number {
  const open = skipSpace(text, nameEnd);
  if (text[open] !== '(') return 0;
  const args = callArguments(text, open);
  if (!args) return 0;
  let n = 0;
  for (const [start, end] of args) {
    const arg = text.slice(start, end).trim();
    if (!arg || !TYPE_ARGUMENT.test(arg) || /\n\s*#/.test(arg)) continue;
    const first = start + text.slice(start, end).search(/\S/);
    blank(chars, first, end);
    chars[first] = 48; // 0
    n++;
  }
  return n;
}

/** `case A ... B:` -> `case A        :` (the range's upper bound is dropped). */
function blankCaseRange(text: string, chars: Chars, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === "'") i = skipQuoted(text, i);
    else if (c === ';' || c === '{' || c === '}' || c === '\n') return 0;
    else if (c === ':' && depth === 0) return 0;
    else if (c === '.' && text.startsWith('...', i)) {
      let colon = i + 3;
      while (colon < text.length && text[colon] !== ':' && text[colon] !== '\n') colon++;
      if (text[colon] !== ':') return 0;
      blank(chars, i, colon);
      return 1;
    }
  }
  return 0;
}
