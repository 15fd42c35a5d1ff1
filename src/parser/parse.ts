// Parsing one C file into what the analysis needs: its function definitions
// (as our own syntax trees), the integer constants it #defines (so that
// `ret != RESUME_GUEST` can be decided), and the names its file-scope
// initializers mention (a function named there has its address taken, e.g. in
// an ops table, so it has callers we cannot see).
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';
import { normalizeKernelC } from './kernel-idioms.js';
import { buildSubtree, child, hasError, type Cursor, type SyntaxNode } from './syntax.js';
import type { SourceText } from './source.js';

export interface FunctionDef {
  name: string;
  file: string;
  params: string[];
  body: SyntaxNode;
  /** 1-based line of the function's name. */
  line: number;
  /** The body holds ERROR or MISSING nodes: analysed as far as it goes. */
  parseErrors: boolean;
  isStatic: boolean;
}

export interface ParsedFile {
  path: string;
  encoding: SourceText['encoding'];
  functions: FunctionDef[];
  /** `#define NAME <integer>` seen at file scope. */
  constants: Map<string, number>;
  /** Identifiers used in file-scope initializers (address-taken candidates). */
  fileScopeNames: Set<string>;
  /** Function definitions whose name could not be found (mis-parsed). */
  unnamedFunctions: number;
  /** Top-level ERROR regions. */
  topLevelErrors: number;
}

let sharedParser: Parser | null = null;
function parser(): Parser {
  if (!sharedParser) {
    sharedParser = new Parser();
    sharedParser.setLanguage(C as unknown as Parser.Language);
  }
  return sharedParser;
}

export function parseSource(source: SourceText): ParsedFile {
  const { text } = normalizeKernelC(source.text);
  const tree = parser().parse(text, undefined, { bufferSize: Math.max(32 * 1024, text.length * 2 + 1024) });
  const result: ParsedFile = {
    path: source.path, encoding: source.encoding, functions: [], constants: new Map(),
    fileScopeNames: new Set(), unnamedFunctions: 0, topLevelErrors: 0,
  };
  const cursor = tree.walk() as unknown as Cursor;
  visitTopLevel(cursor, text, result);
  return result;
}

const CONTAINERS = new Set(['preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif', 'preproc_elifdef',
  'linkage_specification', 'declaration_list']);

function visitTopLevel(cursor: Cursor, text: string, out: ParsedFile): void {
  if (!cursor.gotoFirstChild()) return;
  do {
    const type = cursor.nodeType;
    if (type === 'function_definition') {
      addFunction(buildSubtree(cursor, text), text, out);
    } else if (type === 'ERROR') {
      out.topLevelErrors++;
      visitTopLevel(cursor, text, out);
    } else if (CONTAINERS.has(type)) {
      visitTopLevel(cursor, text, out);
    } else if (type === 'preproc_def') {
      addConstant(text.slice(cursor.startIndex, cursor.endIndex), out);
    } else if (type === 'declaration' || type === 'expression_statement') {
      const slice = text.slice(cursor.startIndex, cursor.endIndex);
      if (slice.includes('=') || slice.includes('(')) for (const m of slice.matchAll(/[A-Za-z_]\w*/g)) out.fileScopeNames.add(m[0]);
    }
  } while (cursor.gotoNextSibling());
  cursor.gotoParent();
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

function addFunction(def: SyntaxNode, _text: string, out: ParsedFile): void {
  const body = child(def, 'body');
  const { name, fn } = declaratorName(child(def, 'declarator'));
  if (!body) return;
  if (!name || !fn) { out.unnamedFunctions++; return; }
  const params: string[] = [];
  const list = child(fn, 'parameters');
  for (const p of list?.children ?? []) {
    if (p.type !== 'parameter_declaration') continue;
    const pn = declaratorName(child(p, 'declarator')).name;
    if (pn) params.push(pn);
  }
  const isStatic = def.children.some((c) => c.type === 'storage_class_specifier' && /static/.test(String(c.text ?? '')));
  out.functions.push({
    name, file: out.path, params, body, line: fn.startRow + 1, parseErrors: hasError(body), isStatic,
  });
}
