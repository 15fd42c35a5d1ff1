// Kernel C is not ISO C. Before tree-sitter sees a file, a few idioms that would
// silently mis-parse (attribute macros between the type and the name turn
// `static int __init f(void)` into a nameless function) or break the parse
// (iterator macros followed by a block, GNU case ranges) are rewritten.
// Every rewrite keeps the text's length and line breaks, so offsets, lines
// and columns reported later are those of the original file.

/** Annotation macros that expand to attributes, sections or sparse markers. */
export const ATTRIBUTE_MACROS: ReadonlySet<string> = new Set([
  'noinstr', '__noinstr', 'notrace', '__always_inline', 'noinline', '__noinline', '__always_unused',
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
  '__alloc_size', '__counted_by', '__cond_acquires', '__diag_ignore', '__assume_aligned',
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

/** The last character before `i` that is neither white space nor in a comment. */
function prevNonSpace(text: string, i: number): number {
  for (;;) {
    while (i >= 0 && /\s/.test(text[i]!)) i--;
    if (i > 0 && text[i] === '/' && text[i - 1] === '*') {
      const open = text.lastIndexOf('/*', i - 2);
      if (open < 0) return i;
      i = open - 1;
      continue;
    }
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

function blank(chars: string[], from: number, to: number): void {
  for (let i = from; i < to; i++) if (chars[i] !== '\n') chars[i] = ' ';
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
  const chars = text.split('');
  let rewrites = 0;
  const iteratorLoops = new Set<number>();
  let lineStart = true;
  let inDirective = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const c = text[i];
    if (c === '\n') {
      if (!(i > 0 && text[i - 1] === '\\')) inDirective = false;
      lineStart = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f') continue;
    if (lineStart && c === '#') inDirective = true;
    lineStart = false;
    if (c === '/' && text[i + 1] === '/') { while (i < text.length && text[i] !== '\n') i++; i--; continue; }
    if (c === '/' && text[i + 1] === '*') { const e = text.indexOf('*/', i + 2); i = e < 0 ? text.length : e + 1; continue; }
    if (c === '"' || c === "'") { i = skipQuoted(text, i); continue; }
    if (!isIdentStart(code)) continue;
    let end = i + 1;
    while (end < text.length && isIdentChar(text.charCodeAt(end))) end++;
    const word = text.slice(i, end);
    if (!inDirective) {
      if (ATTRIBUTE_MACROS.has(word)) {
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
          chars.splice(i, word.length, ...('while' + ' '.repeat(word.length - 5)).split(''));
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
      } else if (!TYPE_TAKING.has(word) && inExpression(text, i)) {
        rewrites += blankTypeArguments(text, chars, end);
      }
    }
    i = end - 1;
  }
  return { text: rewrites ? chars.join('') : text, rewrites, iteratorLoops };
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

/** `container_of(p, struct x, m)`, `min_t(unsigned int, a, b)`: a type passed to a
 *  macro is no expression; it becomes `0` (no call can hide in a type). */
function blankTypeArguments(text: string, chars: string[], nameEnd: number): number {
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
    chars[first] = '0';
    n++;
  }
  return n;
}

/** `case A ... B:` -> `case A        :` (the range's upper bound is dropped). */
function blankCaseRange(text: string, chars: string[], from: number): number {
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
