// Parsing one C file into what the analysis needs: its function definitions
// (as our own syntax trees), the integer constants it #defines (so that
// `ret != RESUME_GUEST` can be decided), and the names its file-scope
// initializers mention (a function named there has its address taken, e.g. in
// an ops table, so it has callers we cannot see).
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';
import { conditionalRole, directiveOf } from './directives.js';
import { normalizeKernelC } from './kernel-idioms.js';
import { piecesOf, releaseTrees } from './pieces.js';
import { buildSubtree, child, hasError, RELEASED_BODY, type Cursor, type SyntaxNode } from './syntax.js';
import type { SourceText } from './source.js';
import type { Cfg } from '../cfg/types.js';

export interface FunctionDef {
  name: string;
  file: string;
  params: string[];
  body: SyntaxNode;
  /** 1-based line of the function's name. */
  line: number;
  /** The body holds ERROR or MISSING nodes: analysed as far as it goes. */
  parseErrors: boolean;
  /** When #if blocks split statements (the plain parse fails), the body parsed
   *  once with every #if arm and once with every #else arm: both are paths. */
  variants?: { label: string; body: SyntaxNode }[];
  isStatic: boolean;
  /** Read from an included header on demand: analysed through its callers only. */
  library?: boolean;
  /** Built as soon as the file is parsed, so that the syntax tree can be let go. */
  cfg?: Cfg;
  /** A function-like macro expanded as a function. */
  macro?: boolean;
  /** Known to change no tracked state and end no path (the pre-filter found it
   *  calls nothing that does): defined, so calls resolve to it, but not built. */
  opaque?: boolean;
  /** What determined this definition, when a cache keeps it: the key of the build
   *  that made it and its place there (see analysis/group-key). */
  origin?: string;
  /** Declared inline (`inline`, `__always_inline`): part of its callers' bodies. */
  inline?: boolean;
  /** Its body's size (characters) when beyond MAX_FUNCTION_CHARS: not built (an
   *  empty body stands for it), and nothing is reported from it. */
  tooLarge?: number;
}

/** Definitions larger than this are not built: their syntax tree costs some 200
 *  bytes per character of dense code (a 10 MB expression took 2.7 GB; 2 MB,
 *  0.6 GB), and no kernel function comes near (a 200,000-line one is 1.2 MB). */
export const MAX_FUNCTION_CHARS = 2 * 1024 * 1024;

export function tooLargeText(chars: number): string {
  const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MB`;
  return `body of ${mb(chars)}, more than the ${mb(MAX_FUNCTION_CHARS)} analysed: not analysed, nothing reported from it`;
}

export interface MacroDef {
  name: string;
  params: string[];
  /** The replacement text, and where it starts in the file (0-based row, column). */
  body: string;
  row: number;
  col: number;
}

export interface ParsedFile {
  path: string;
  encoding: SourceText['encoding'];
  functions: FunctionDef[];
  /** `#define NAME <integer>` seen at file scope, for building CFGs (empty once
   *  they are built: see analysis/file-tasks). */
  constants: Map<string, number>;
  /** Identifiers used in file-scope initializers and macro calls (address-taken candidates). */
  fileScopeNames: Set<string>;
  /** Function-like macros whose body calls something: expanded as functions of
   *  their own (`#define unmask() do { local_irq_enable(); } while (0)`). */
  macros: MacroDef[];
  /** `.member = fn` designated initializers at file scope (ops tables), with the
   *  table's struct type when the declaration names it. */
  memberAssignments: { type: string | null; member: string; fn: string }[];
  /** Offsets of loops rewritten from iterator macros (see kernel-idioms). */
  iteratorLoops: Set<number>;
  /** Function definitions whose name could not be found (mis-parsed). */
  unnamedFunctions: number;
  /** Top-level ERROR regions. */
  topLevelErrors: number;
  /** Not parsed: only the opaque definitions other code may call (see run/select). */
  opaqueOnly?: boolean;
}

let sharedParser: Parser | null = null;
function parser(): Parser {
  if (!sharedParser) {
    sharedParser = new Parser();
    sharedParser.setLanguage(C as unknown as Parser.Language);
  }
  return sharedParser;
}

export interface ParseOptions {
  /** Which functions to build (syntax tree, then CFG); the others are kept as
   *  opaque definitions: name, line, linkage. Default: all. */
  build?: (name: string, line: number) => boolean;
  /** What becomes of a built definition as soon as it is parsed (its CFG built
   *  and its syntax tree let go, say): a file's trees are then never all held
   *  at once. Default: kept as it is. */
  finish?: (def: FunctionDef, file: ParsedFile) => FunctionDef;
  /** How large the pieces of a large file are (default: parser/pieces PIECE_CHARS). */
  pieceChars?: number;
}

export function parseSource(source: SourceText, options: ParseOptions = {}): ParsedFile {
  return runSteps(parseSourceInSteps(source, options));
}

/** A generator's steps run one after the other, without a pause: its result. */
export function runSteps<R>(steps: Generator<void, R, void>): R {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** parseSource with a pause after each piece of a large file (see parser/pieces):
 *  a caller that turns the event loop there lets tree-sitter free the trees of
 *  the pieces done, which it does only then. */
export function* parseSourceInSteps(source: SourceText, options: ParseOptions = {}): Generator<void, ParsedFile, void> {
  const { text, iteratorLoops } = normalizeKernelC(source.text);
  const result: ParsedFile = {
    path: source.path, encoding: source.encoding, functions: [], constants: new Map(),
    fileScopeNames: new Set(), memberAssignments: [], macros: [], iteratorLoops, unnamedFunctions: 0, topLevelErrors: 0,
  };
  const pieces = piecesOf(source.path, text, options.pieceChars);
  if (!pieces) {
    const tree = parser().parse(text, undefined, { bufferSize: Math.max(32 * 1024, text.length * 2 + 1024) });
    visitTopLevel(tree.walk() as unknown as Cursor, text, result, options, tree.rootNode.hasError, source.text);
    return result;
  }
  // One piece's tree at a time; offsets and positions stay the file's.
  for (const piece of pieces) {
    const tree = parser().parse(text, undefined, { bufferSize: (piece.endIndex - piece.startIndex) * 2 + 1024, includedRanges: [piece] });
    visitTopLevel(tree.walk() as unknown as Cursor, text, result, options, tree.rootNode.hasError, source.text);
    releaseTrees();
    yield;
  }
  return result;
}

const CONTAINERS = new Set(['preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif', 'preproc_elifdef',
  'linkage_specification', 'declaration_list']);

/** The file's top level, and inside #if blocks, `extern "C"` and ERROR regions,
 *  walked with the cursor (no recursion: #if blocks nest as deep as a file likes). */
function visitTopLevel(cursor: Cursor, text: string, out: ParsedFile, options: ParseOptions, mayMiss: boolean, raw: string): void {
  const build = options.build ?? (() => true);
  if (!cursor.gotoFirstChild()) return;
  let depth = 0;
  for (;;) {
    const type = cursor.nodeType;
    let descended = false;
    if (type === 'function_definition') {
      const start = cursor.startIndex;
      const fn = readFunction(cursor, text, out, build, mayMiss);
      if (fn) {
        const header = raw.slice(start, Math.max(start, raw.indexOf('{', start)));
        if (/\b(?:inline|__inline|__inline__|__always_inline)\b/.test(header)) fn.inline = true;
      }
      if (fn?.parseErrors && /^[ \t]*#[ \t]*(if|else|elif|endif)/m.test(text.slice(cursor.startIndex, cursor.endIndex))) {
        parseConfigVariants(fn, text, cursor.startIndex, cursor.endIndex);
      }
      if (fn && !fn.opaque && options.finish) out.functions[out.functions.lastIndexOf(fn)] = options.finish(fn, out);
    } else if (type === 'ERROR' || CONTAINERS.has(type)) {
      if (type === 'ERROR') out.topLevelErrors++;
      descended = cursor.gotoFirstChild();
      if (descended) depth++;
    } else if (type === 'preproc_def') {
      addConstant(text.slice(cursor.startIndex, cursor.endIndex), out);
    } else if (type === 'preproc_function_def') {
      addMacro(buildSubtree(cursor, text, mayMiss), text, out);
    } else if (type === 'declaration' || type === 'expression_statement') {
      // Names in an initializer (`.run = vmx_vcpu_run`) or a file-scope macro call
      // (`module_init(f);`, `EXPORT_SYMBOL(f);`) have their address taken; the
      // declarator of a prototype (`int f(void);`) does not.
      const slice = text.slice(cursor.startIndex, cursor.endIndex);
      const used = type === 'declaration' ? slice.slice(slice.indexOf('=') + 1 || slice.length) : slice;
      for (const m of used.matchAll(/[A-Za-z_]\w*/g)) out.fileScopeNames.add(m[0]);
      const tableType = /^\s*(?:static\s+)?(?:const\s+)?struct\s+(\w+)/.exec(slice)?.[1] ?? null;
      for (const m of used.matchAll(/\.\s*([A-Za-z_]\w*)\s*=\s*(?:\([^()]*\)\s*)?&?\s*([A-Za-z_]\w*)\s*(?=[,}])/g)) {
        out.memberAssignments.push({ type: tableType, member: m[1]!, fn: m[2]! });
      }
    }
    if (descended) continue;
    while (!cursor.gotoNextSibling()) {
      cursor.gotoParent();
      if (depth-- === 0) return;
    }
  }
}

function addMacro(def: SyntaxNode, text: string, out: ParsedFile): void {
  const name = child(def, 'name')?.text;
  const value = child(def, 'value');
  if (!name || !value) return;
  const body = text.slice(value.startIndex, value.endIndex);
  if (!/[A-Za-z_]\w*\s*\(/.test(body)) return;
  const params = (child(def, 'parameters')?.children ?? []).filter((p) => p.type === 'identifier').map((p) => String(p.text));
  out.macros.push({ name, params, body, row: value.startRow, col: value.startCol });
}

/** A macro as a function, its body at its own rows and columns (the header sits on
 *  row 0, so a macro defined on a file's first line is not expanded). */
export function parseMacro(macro: MacroDef, file: string): { def: FunctionDef; text: string } | null {
  if (macro.row === 0) return null;
  const header = `void ${macro.name}(${macro.params.map((p) => `long ${p}`).join(', ')}) {`;
  const body = macro.body.replace(/\\(?=\r?\n)/g, ' ');
  const text = `${header}${'\n'.repeat(macro.row)}${' '.repeat(macro.col)}${body}\n;}\n`;
  const parsed = parseSource({ path: file, text, encoding: 'utf-8' });
  const fn = parsed.functions.find((f) => f.name === macro.name);
  return fn && !fn.parseErrors ? { def: { ...fn, line: macro.row + 1, isStatic: true, library: true, macro: true }, text } : null;
}

function addConstant(directive: string, out: ParsedFile): void {
  const m = /^#\s*define\s+([A-Za-z_]\w*)\s+\(?\s*(-?\s*(?:0x[0-9a-fA-F]+|\d+))[uUlL]*\s*\)?\s*$/.exec(directive.trim());
  if (m) out.constants.set(m[1]!, Number(m[2]!.replace(/\s+/g, '')));
}

/** The identifier a declarator declares, and the function declarator if any. */
export function declaratorName(decl: SyntaxNode | undefined): { name?: string; fn?: SyntaxNode } {
  let node = decl;
  let fn: SyntaxNode | undefined;
  while (node) {
    if (node.type === 'identifier' || node.type === 'field_identifier') return { name: node.text ?? undefined, fn };
    if (node.type === 'function_declarator' && !fn) fn = node;
    node = child(node, 'declarator') ?? node.children.find((c) => c.named && c.type.endsWith('declarator'));
  }
  return { fn };
}

/** The function definition under the cursor: its header is always read, its
 *  body built only when `build` wants it (building is most of a parse's cost). */
function readFunction(cursor: Cursor, text: string, out: ParsedFile, build: (name: string, line: number) => boolean, mayMiss: boolean): FunctionDef | undefined {
  const header: SyntaxNode[] = [];
  let bodyAt = false;
  if (cursor.gotoFirstChild()) {
    do {
      if (cursor.currentFieldName === 'body') bodyAt = true;
      else if (cursor.nodeIsNamed || cursor.currentFieldName) header.push(buildSubtree(cursor, text, mayMiss));
    } while (cursor.gotoNextSibling());
    cursor.gotoParent();
  }
  if (!bodyAt) return undefined;
  const { name: named, fn } = declaratorName(header.find((c) => c.field === 'declarator'));
  const size = cursor.endIndex - cursor.startIndex;
  if (named && fn && size > MAX_FUNCTION_CHARS) {
    const def: FunctionDef = {
      ...opaqueDefinition(named, out.path, fn.startRow + 1, header.some(isStaticSpecifier)), opaque: false, tooLarge: size,
    };
    out.functions.push(def);
    return def;
  }
  if (named && fn && !build(named, fn.startRow + 1)) {
    const def = opaqueDefinition(named, out.path, fn.startRow + 1, header.some(isStaticSpecifier));
    out.functions.push(def);
    return def;
  }
  return addFunction(buildSubtree(cursor, text, mayMiss), out, mayMiss);
}

function isStaticSpecifier(c: SyntaxNode): boolean {
  return c.type === 'storage_class_specifier' && /static/.test(String(c.text ?? ''));
}

/** A definition known by its name, line and linkage only, not built (see FunctionDef.opaque). */
export function opaqueDefinition(name: string, file: string, line: number, isStatic: boolean): FunctionDef {
  return { name, file, params: [], body: RELEASED_BODY, line, parseErrors: false, isStatic, opaque: true };
}

/** @param mayHaveErrors the tree holds ERROR or MISSING nodes somewhere (else the
 *  body cannot: no need to walk it to find out) */
function addFunction(def: SyntaxNode, out: ParsedFile, mayHaveErrors = true): FunctionDef | undefined {
  const body = child(def, 'body');
  const { name, fn } = declaratorName(child(def, 'declarator'));
  if (!body) return undefined;
  if (!name || !fn) { out.unnamedFunctions++; return undefined; }
  const params: string[] = [];
  const list = child(fn, 'parameters');
  for (const p of list?.children ?? []) {
    if (p.type !== 'parameter_declaration') continue;
    const pn = declaratorName(child(p, 'declarator')).name;
    if (pn) params.push(pn);
  }
  const isStatic = def.children.some(isStaticSpecifier);
  const result: FunctionDef = { name, file: out.path, params, body, line: fn.startRow + 1, parseErrors: mayHaveErrors && hasError(body), isStatic };
  out.functions.push(result);
  return result;
}

/** Keeps one arm of every #if/#ifdef … #endif in [start, end): the first arm
 *  ('if') or the last (#else, or none: 'else'). Directive lines are blanked;
 *  everything keeps its offset. */
export function selectConfigArms(text: string, start: number, end: number, arm: 'if' | 'else'): string {
  // Per open conditional: whether the arm we are in is kept.
  const keep: boolean[] = [];
  return text.slice(start, end).split('\n').map((line) => {
    const directive = directiveOf(line);
    const role = conditionalRole(directive);
    const blankLine = line.replace(/[^\n]/g, ' ');
    if (role === 'open') {
      keep.push(arm === 'if');
      return blankLine;
    }
    if (role === 'arm' && keep.length) {
      keep[keep.length - 1] = arm === 'else' && directive === 'else';
      return blankLine;
    }
    if (role === 'close' && keep.length) {
      keep.pop();
      return blankLine;
    }
    return keep.every(Boolean) ? line : blankLine;
  }).join('\n');
}

function parseConfigVariants(fn: FunctionDef, text: string, start: number, end: number): void {
  const variants: { label: string; body: SyntaxNode }[] = [];
  const prefix = text.slice(0, start).replace(/[^\n]/g, ' ');
  for (const arm of ['if', 'else'] as const) {
    const variantText = prefix + selectConfigArms(text, start, end, arm);
    const tree = parser().parse(variantText, undefined, { bufferSize: variantText.length * 2 + 1024 });
    const cursor = tree.walk() as unknown as Cursor;
    let body: SyntaxNode | undefined;
    if (cursor.gotoFirstChild()) {
      do {
        if (cursor.nodeType === 'function_definition' && cursor.startIndex === start) {
          body = child(buildSubtree(cursor, variantText), 'body');
          break;
        }
      } while (cursor.gotoNextSibling());
    }
    if (!body || hasError(body)) return;
    variants.push({ label: arm === 'if' ? 'assuming the #if arms in this function are compiled in' : 'assuming the #else arms in this function are compiled in', body });
  }
  fn.variants = variants;
  fn.parseErrors = false;
}
