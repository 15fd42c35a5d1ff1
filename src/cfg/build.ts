// Builds a CFG from a function body. A stack of typed contexts (loop, switch)
// gives break/continue their targets, as in ESLint's code-path analysis.
// Expressions are flattened into events in evaluation order; `&&`, `||` and
// `?:` become branches, so every edge condition tests one variable.
import { child, namedChildren, type SyntaxNode } from '../parser/syntax.js';
import { configCondition, configMacroSymbol, configSubject } from './config-test.js';
import { directiveOf } from '../parser/directives.js';
import type { Configuration } from '../kernel/configuration.js';
import { isPredicateSubject, memoryOf, predicateDependencies, predicateSubject } from './predicate-subjects.js';
import type { FunctionDef } from '../parser/parse.js';
import {
  ANY_SIGN, NEG, NONZERO, ONE, POS, SIGN_CLASSES, ZERO, signOf,
  type Block, type CallArg, type Cfg, type Condition, type Dispatch, type EdgeKind, type Event, type Loc, type SignSet, type Value,
} from './types.js';

export interface CfgOptions {
  /** Calls that never return (BUG(), panic() …). */
  isNoReturn: (name: string) => boolean;
  /** Integer constants known from #defines. */
  constants: ReadonlyMap<string, number>;
  /** What the configuration (--config, -D, -U) decides of `if (IS_ENABLED(X))`: the arm it rules out is no path. */
  configuration: Configuration;
  /** Predicates without side effects (scan/pure-predicates): a test of one asked
   *  again of the same, unassigned arguments has the same answer. */
  predicates?: { has(name: string): boolean };
  /** Source text of the file (the preprocessor directive keywords are not in the tree). */
  source: string;
  /** Offsets of `while` loops that stand for kernel iterator macros. */
  iteratorLoops?: ReadonlySet<number>;
}

/** Where a branch goes, and the kind of edge that takes it there. */
interface BranchTarget { to: number; kind: EdgeKind }

interface BreakContext { kind: 'loop' | 'switch'; breakTo: number; continueTo: number | null }

/** Calls that are transparent for control flow: `if (unlikely(x))` tests x. */
const TRANSPARENT_CALLS = new Set(['likely', 'unlikely', 'READ_ONCE', '__builtin_expect']);

/** Statements and expressions nested deeper than this inside one another are not
 *  looked into (the construct is taken to do nothing, and the CFG says so): the
 *  builder recurses on nesting, and a bound far below any thread's stack makes
 *  the result the same in the main thread and in a worker. Chains that are long
 *  rather than deep (`else if` arms, `a + b + …`, `a && b && …`, `a, b, …`) are
 *  walked in loops and never meet it. */
export const MAX_NESTING = 500;

/** What the summary says of a function built without its deepest constructs. */
export const NESTING_CUT_TEXT = `nesting beyond ${MAX_NESTING.toLocaleString('en-US')} levels, analysed without it`;

/** Source text kept per call argument, callee or branch label: an lvalue, a flag
 *  or a condition worth showing is far shorter; a longer one is cut (with `…`). */
const MAX_TEXT = 500;

const STATEMENT_TYPES = new Set([
  'compound_statement', 'expression_statement', 'if_statement', 'while_statement', 'do_statement',
  'for_statement', 'switch_statement', 'case_statement', 'break_statement', 'continue_statement',
  'return_statement', 'goto_statement', 'labeled_statement', 'declaration', 'preproc_if', 'preproc_ifdef',
  'attributed_statement', 'ERROR',
]);

export function buildCfg(fn: FunctionDef, options: CfgOptions): Cfg {
  return new CfgBuilder(fn, options).build();
}

/** The CFG of an opaque function (not built): one block that returns. */
export function opaqueCfg(fn: FunctionDef): Cfg {
  return {
    name: fn.name, file: fn.file, params: fn.params, entry: 0, exit: 0, parseErrors: false,
    blocks: [{ id: 0, events: [], succs: [], reachable: true }], valueNames: new Set(), memberAssignments: [],
  };
}

class CfgBuilder {
  private readonly blocks: Block[] = [];
  private current: Block | null;
  private readonly exit: Block;
  private readonly contexts: BreakContext[] = [];
  private readonly labels = new Map<string, Block>();
  private temps = 0;
  private readonly valueNames = new Set<string>();
  private readonly memberAssignments: [string, string][] = [];
  /** Statements, expressions and conditions being built, one inside the other. */
  private nesting = 0;
  /** A construct went deeper than MAX_NESTING and was left out. */
  private cut = false;

  constructor(private readonly fn: FunctionDef, private readonly options: CfgOptions) {
    this.current = this.newBlock();
    this.exit = this.newBlock();
  }

  build(): Cfg {
    if (this.fn.variants) {
      const entry = this.here();
      const loc = this.loc(this.fn.body);
      for (const v of this.fn.variants) {
        const start = this.newBlock();
        entry.succs.push({ to: start.id, kind: 'true', cond: null, label: v.label, loc });
        this.current = start;
        this.body(v.body);
      }
    } else {
      this.body(this.fn.body);
    }
    markReachable(this.blocks, 0);
    pruneIrrelevantValues(this.blocks);
    return {
      name: this.fn.name, file: this.fn.file, params: this.fn.params, entry: 0, exit: this.exit.id,
      blocks: this.blocks, parseErrors: this.fn.parseErrors, valueNames: this.valueNames,
      memberAssignments: this.memberAssignments, ...(this.cut ? { nestingCut: MAX_NESTING } : {}),
    };
  }

  private body(body: SyntaxNode): void {
    this.statement(body);
    if (this.current) {
      const closing = this.locAtEnd(body);
      this.emit({ kind: 'return', value: null, implicit: true, loc: closing });
      this.edge(this.exit.id, 'return', null, null, closing);
    }
  }

  // ---- blocks and edges ---------------------------------------------------

  private newBlock(): Block {
    const block: Block = { id: this.blocks.length, events: [], succs: [], reachable: false };
    this.blocks.push(block);
    return block;
  }

  /** The block events go into; code after a jump starts a fresh (unreachable) block. */
  private here(): Block {
    if (!this.current) this.current = this.newBlock();
    return this.current;
  }

  private emit(event: Event): void {
    this.here().events.push(event);
  }

  private edge(to: number, kind: EdgeKind, cond: Condition | null = null, label: string | null = null, loc: Loc | null = null): void {
    this.here().succs.push({ to, kind, cond, label, loc });
  }

  /** Ends the current block with an edge to `target` and continues in `target`. */
  private continueIn(target: Block, kind: EdgeKind = 'fall'): void {
    if (this.current) this.edge(target.id, kind);
    this.current = target;
  }

  private jump(to: number, kind: EdgeKind): void {
    if (this.current) this.edge(to, kind);
    this.current = null;
  }

  private loc(node: SyntaxNode): Loc {
    return { file: this.fn.file, line: node.startRow + 1, col: node.startCol + 1 };
  }

  private locAtEnd(node: SyntaxNode): Loc {
    const text = this.options.source;
    const lineStart = text.lastIndexOf('\n', node.endIndex - 1) + 1;
    return { file: this.fn.file, line: node.endRow + 1, col: node.endIndex - lineStart };
  }

  private text(node: SyntaxNode): string {
    const end = Math.min(node.endIndex, node.startIndex + MAX_TEXT);
    const text = this.options.source.slice(node.startIndex, end).replace(/\s+/g, ' ');
    return end < node.endIndex ? `${text}…` : text;
  }

  /** Enters one more level of nesting: false (and the function marked) beyond MAX_NESTING. */
  private enter(): boolean {
    if (this.nesting >= MAX_NESTING) { this.cut = true; return false; }
    this.nesting++;
    return true;
  }

  private newTemp(): string {
    return `$${++this.temps}`;
  }

  private labelBlock(name: string): Block {
    let block = this.labels.get(name);
    if (!block) { block = this.newBlock(); this.labels.set(name, block); }
    return block;
  }

  private findContext(predicate: (c: BreakContext) => boolean): BreakContext | undefined {
    for (let i = this.contexts.length - 1; i >= 0; i--) if (predicate(this.contexts[i]!)) return this.contexts[i];
    return undefined;
  }

  // ---- statements ---------------------------------------------------------

  private statement(node: SyntaxNode): void {
    if (!this.enter()) return;
    this.statementOfKind(node);
    this.nesting--;
  }

  private statementOfKind(node: SyntaxNode): void {
    switch (node.type) {
      case 'compound_statement':
        for (const s of namedChildren(node)) this.statement(s);
        return;
      case 'expression_statement': {
        const expr = namedChildren(node)[0];
        if (expr?.type === 'gnu_asm_expression') this.asm(expr);
        else if (expr) this.expression(expr);
        return;
      }
      case 'declaration':
        return this.declaration(node);
      case 'if_statement':
        return this.ifStatement(node);
      case 'while_statement':
        return this.whileStatement(node);
      case 'do_statement':
        return this.doStatement(node);
      case 'for_statement':
        return this.forStatement(node);
      case 'switch_statement':
        return this.switchStatement(node);
      case 'break_statement': {
        const target = this.findContext(() => true);
        if (target) this.jump(target.breakTo, 'break');
        return;
      }
      case 'continue_statement': {
        const target = this.findContext((c) => c.kind === 'loop');
        if (target?.continueTo != null) this.jump(target.continueTo, 'continue');
        return;
      }
      case 'return_statement': {
        const expr = namedChildren(node)[0];
        const value = expr ? this.expression(expr) : null;
        const loc = this.loc(node);
        this.emit({ kind: 'return', value, implicit: false, loc });
        this.edge(this.exit.id, 'return', null, null, loc);
        this.current = null;
        return;
      }
      case 'goto_statement': {
        const label = child(node, 'label')?.text;
        if (label) this.jump(this.labelBlock(label).id, 'goto');
        return;
      }
      case 'labeled_statement': {
        const label = child(node, 'label')?.text;
        if (label) this.continueIn(this.labelBlock(label));
        for (const s of namedChildren(node)) if (s.field !== 'label') this.statement(s);
        return;
      }
      case 'case_statement':
        // A case label outside a switch body's top level (rare): treat as statements.
        for (const s of namedChildren(node)) if (s.field !== 'value') this.statement(s);
        return;
      case 'preproc_if':
      case 'preproc_ifdef':
      case 'preproc_elif':
      case 'preproc_elifdef':
        return this.preprocConditional(node);
      case 'preproc_else':
        for (const s of namedChildren(node)) this.statement(s);
        return;
      case 'attributed_statement':
        for (const s of namedChildren(node)) if (s.type !== 'attribute_declaration') this.statement(s);
        return;
      case 'ERROR':
        return this.errorRegion(node);
      default:
        if (node.type.endsWith('_expression')) this.expression(node);
        // Other nodes (type definitions, #define, empty statements, comments) have no effect.
        return;
    }
  }

  /** Best effort inside a region tree-sitter could not parse: statements and
   *  expressions found in it are taken in source order. */
  private errorRegion(node: SyntaxNode): void {
    for (const c of namedChildren(node)) {
      if (STATEMENT_TYPES.has(c.type)) this.statement(c);
      else if (c.type.endsWith('_expression') || c.type === 'identifier') this.expression(c);
      else if (this.enter()) { this.errorRegion(c); this.nesting--; }
    }
  }

  private declaration(node: SyntaxNode): void {
    for (const d of node.children) {
      if (d.type !== 'init_declarator') continue;
      const value = child(d, 'value');
      const name = plainDeclaratorName(child(d, 'declarator'));
      if (!value) continue;
      const v = value.type === 'initializer_list' ? (this.expression(value), { kind: 'unknown' } as Value) : this.expression(value);
      if (name) this.emit({ kind: 'assign', target: name, value: v, loc: this.loc(d) });
    }
  }

  /** An `else if` chain is walked arm after arm (it is long, not deep): each arm's
   *  blocks are made as a recursion would make them, and the arms' ends joined
   *  innermost first. */
  private ifStatement(first: SyntaxNode): void {
    const afters: Block[] = [];
    for (let node: SyntaxNode | undefined = first; node;) {
      const thenBlock = this.newBlock();
      const elseBlock = this.newBlock();
      const after = this.newBlock();
      afters.push(after);
      this.condition(child(node, 'condition')!, { to: thenBlock.id, kind: 'true' }, { to: elseBlock.id, kind: 'false' });
      this.current = thenBlock;
      const consequence = child(node, 'consequence');
      if (consequence) this.statement(consequence);
      this.jump(after.id, 'fall');
      this.current = elseBlock;
      const alternative = child(node, 'alternative');
      const arm = alternative ? namedChildren(alternative) : [];
      node = undefined;
      if (arm.length && arm[arm.length - 1]!.type === 'if_statement' && arm.every((s, i) => i === arm.length - 1 || s.type === 'comment')) {
        node = arm[arm.length - 1];
      } else {
        for (const s of arm) this.statement(s);
      }
    }
    for (let i = afters.length - 1; i >= 0; i--) {
      this.jump(afters[i]!.id, 'fall');
      this.current = afters[i]!;
    }
  }

  private whileStatement(node: SyntaxNode): void {
    const head = this.newBlock();
    const body = this.newBlock();
    const after = this.newBlock();
    this.continueIn(head);
    if (this.options.iteratorLoops?.has(node.startIndex)) {
      // list_for_each_entry(pos, head, member) { … }: zero or more iterations.
      this.expression(child(node, 'condition')!);
      const loc = this.loc(node);
      this.edge(body.id, 'true', null, 'another iteration', loc);
      this.edge(after.id, 'false', null, 'iteration ends', loc);
      this.current = null;
    } else {
      this.condition(child(node, 'condition')!, { to: body.id, kind: 'true' }, { to: after.id, kind: 'false' });
    }
    this.loopBody(child(node, 'body'), body, after, head.id);
    this.jump(head.id, 'back');
    this.current = after;
  }

  private doStatement(node: SyntaxNode): void {
    const body = this.newBlock();
    const test = this.newBlock();
    const after = this.newBlock();
    this.continueIn(body);
    this.loopBody(child(node, 'body'), body, after, test.id);
    this.continueIn(test);
    this.condition(child(node, 'condition')!, { to: body.id, kind: 'back' }, { to: after.id, kind: 'false' });
    this.current = after;
  }

  private forStatement(node: SyntaxNode): void {
    const init = child(node, 'initializer');
    if (init) init.type === 'declaration' ? this.declaration(init) : this.expression(init);
    const head = this.newBlock();
    const body = this.newBlock();
    const update = this.newBlock();
    const after = this.newBlock();
    this.continueIn(head);
    const cond = child(node, 'condition');
    if (cond) this.condition(cond, { to: body.id, kind: 'true' }, { to: after.id, kind: 'false' });
    else this.jump(body.id, 'true');
    this.loopBody(child(node, 'body'), body, after, update.id);
    this.continueIn(update);
    for (const u of node.children.filter((c) => c.field === 'update')) this.expression(u);
    this.jump(head.id, 'back');
    this.current = after;
  }

  private loopBody(body: SyntaxNode | undefined, block: { id: number } & Block, after: Block, continueTo: number): void {
    this.current = block;
    this.contexts.push({ kind: 'loop', breakTo: after.id, continueTo });
    if (body) this.statement(body);
    this.contexts.pop();
  }

  private switchStatement(node: SyntaxNode): void {
    const subject = this.expression(unparen(child(node, 'condition')!));
    const subjectVar = subject.kind === 'var' ? subject.name : null;
    const dispatch = this.here();
    const after = this.newBlock();
    const body = child(node, 'body');
    const cases = body ? namedChildren(body) : [];
    this.contexts.push({ kind: 'switch', breakTo: after.id, continueTo: null });
    this.current = null;
    let hasDefault = false;
    // Classes fully covered by case labels (0 and 1 are single values) cannot reach default.
    let covered = 0;
    for (const c of cases) {
      const v = c.type === 'case_statement' ? child(c, 'value') : undefined;
      const k = v ? this.constantValue(v) : null;
      if (k === 0 || k === 1) covered |= signOf(k);
    }
    const defaultCond = subjectVar && covered ? { subject: subjectVar, signs: ANY_SIGN & ~covered } : null;
    for (const c of cases) {
      if (c.type !== 'case_statement') { this.statement(c); continue; }
      const block = this.newBlock();
      if (this.current) this.edge(block.id, 'fall');
      const valueNode = child(c, 'value');
      const loc = this.loc(c);
      if (valueNode) {
        const k = this.constantValue(valueNode);
        const signs = k === null ? null : this.caseSigns(c, k);
        const cond = subjectVar && signs !== null ? { subject: subjectVar, signs } : null;
        dispatch.succs.push({ to: block.id, kind: 'case', cond, label: `case ${this.text(valueNode)} taken`, loc });
      } else {
        hasDefault = true;
        dispatch.succs.push({ to: block.id, kind: 'default', cond: defaultCond, label: 'default case taken', loc });
      }
      this.current = block;
      for (const s of namedChildren(c)) if (s.field !== 'value') this.statement(s);
    }
    this.contexts.pop();
    this.jump(after.id, 'fall');
    if (!hasDefault) dispatch.succs.push({ to: after.id, kind: 'default', cond: defaultCond, label: 'no case matched', loc: null });
    this.current = after;
  }

  /** Classes a case label admits: its value's, or for a GNU range `case lo ... hi:`
   *  (whose upper bound the normaliser blanked) every class the range meets. */
  private caseSigns(c: SyntaxNode, lo: number): SignSet | null {
    const label = this.options.source.slice(c.startIndex, this.options.source.indexOf(':', c.startIndex));
    const range = /\.\.\.\s*(.+)$/s.exec(label);
    if (!range) return signOf(lo);
    const hiText = range[1]!.trim().replace(/^\((.*)\)$/, '$1').replace(/[uUlL]+$/, '');
    const hi = /^-?\s*(0x[0-9a-fA-F]+|\d+)$/.test(hiText) ? Number(hiText.replace(/\s+/g, '')) :
      (this.options.constants.get(hiText) ?? null);
    if (hi === null) return null;
    let signs = 0;
    for (const cls of SIGN_CLASSES) if (cls.lo <= hi && lo <= cls.hi) signs |= cls.bit;
    return signs;
  }

  private asm(node: SyntaxNode): void {
    const labels = child(node, 'goto_labels');
    if (!labels) return;
    for (const l of namedChildren(labels)) if (l.text) this.edge(this.labelBlock(l.text).id, 'goto');
    this.continueIn(this.newBlock());
  }

  /** `#ifdef NAME`, `#ifndef NAME`, `#if [!]defined(NAME)`, `#if IS_ENABLED(NAME)`, `#elif…`
   *  (config-test.ts) the configuration does not decide (what it decides is gone from the
   *  text: parser/live-arms): both arms are paths, told apart by a fact on `#NAME` so
   *  that a later test of NAME, in any spelling, is correlated. */
  private preprocConditional(node: SyntaxNode): void {
    const directive = directiveOf(this.options.source.slice(node.startIndex, node.startIndex + 40)) ?? '';
    let symbol: string | null = null;
    let negate = directive === 'ifndef' || directive === 'elifndef';
    if (node.type === 'preproc_ifdef' || node.type === 'preproc_elifdef') {
      symbol = child(node, 'name')?.text ?? null;
    } else {
      const cond = child(node, 'condition');
      const test = cond ? configCondition(this.text(cond)) : null;
      if (test) { symbol = test.symbol; negate = test.negated; }
    }
    const armBody = namedChildren(node).filter((c) => c.field !== 'name' && c.field !== 'condition' && c.field !== 'alternative');
    const alternative = child(node, 'alternative');
    const thenBlock = this.newBlock();
    const elseBlock = this.newBlock();
    const after = this.newBlock();
    const loc = this.loc(node);
    const subject = symbol ? configSubject(symbol) : null;
    const yes = subject ? { subject, signs: negate ? ZERO : NONZERO } : null;
    const no = subject ? { subject, signs: negate ? NONZERO : ZERO } : null;
    this.edge(thenBlock.id, 'true', yes, symbol ? `assuming ${symbol} is ${negate ? 'not ' : ''}defined` : 'taking the #if arm', loc);
    this.edge(elseBlock.id, 'false', no, symbol ? `assuming ${symbol} is ${negate ? '' : 'not '}defined` : 'taking the #else arm', loc);
    this.current = thenBlock;
    for (const s of armBody) this.statement(s);
    this.jump(after.id, 'fall');
    this.current = elseBlock;
    if (alternative) this.statement(alternative);
    this.jump(after.id, 'fall');
    this.current = after;
  }

  // ---- conditions -----------------------------------------------------------

  /** Emits the evaluation of `node` as a branch to `onTrue` / `onFalse`. A target
   *  keeps its edge kind through `!`, `&&` and `||` (a loop's back edge stays `back`). */
  private condition(raw: SyntaxNode, onTrue: BranchTarget, onFalse: BranchTarget): void {
    if (!this.enter()) {
      // Too deep to look into: either way, nothing known.
      this.edge(onTrue.to, onTrue.kind);
      this.edge(onFalse.to, onFalse.kind);
      this.current = null;
      return;
    }
    this.conditionOf(raw, onTrue, onFalse);
    this.nesting--;
  }

  private conditionOf(raw: SyntaxNode, onTrue: BranchTarget, onFalse: BranchTarget): void {
    const node = unparen(raw);
    if (node.type === 'unary_expression' && operatorOf(node) === '!') {
      return this.condition(child(node, 'argument')!, onFalse, onTrue);
    }
    if (isLogical(node)) return this.logicalCondition(node, onTrue, onFalse);
    if (node.type === 'call_expression' && TRANSPARENT_CALLS.has(calleeName(node) ?? '')) {
      const arg = namedChildren(child(node, 'arguments')!)[0];
      if (arg) return this.condition(arg, onTrue, onFalse);
    }
    const loc = this.loc(node);
    const text = this.text(node);
    const config = node.type === 'call_expression' ? this.configMacroCall(node) : null;
    if (config !== null) {
      // `if (IS_ENABLED(CONFIG_X))`: the same fact as `#ifdef CONFIG_X`, decided alike by the configuration.
      if (config.truth !== undefined) {
        const target = config.truth ? onTrue : onFalse;
        this.jump(target.to, target.kind);
        return;
      }
      const subject = configSubject(config.symbol);
      this.edge(onTrue.to, onTrue.kind, { subject, signs: NONZERO }, `${text} is true`, loc);
      this.edge(onFalse.to, onFalse.kind, { subject, signs: ZERO }, `${text} is false`, loc);
      this.current = null;
      return;
    }
    const constant = this.constantValue(node);
    if (constant !== null) {
      const target = constant !== 0 ? onTrue : onFalse;
      this.jump(target.to, target.kind);
      return;
    }
    let subject: Value;
    let signs: [SignSet, SignSet] = [NONZERO, ZERO];
    const comparison = node.type === 'binary_expression' ? this.comparison(node) : null;
    if (comparison) {
      subject = this.expression(comparison.operand);
      signs = comparison.signs;
    } else {
      subject = this.expression(node);
    }
    const subjectName = subject.kind === 'var' ? subject.name : null;
    const cond = (s: SignSet): Condition | null => (subjectName && s !== ANY_SIGN ? { subject: subjectName, signs: s } : null);
    this.edge(onTrue.to, onTrue.kind, cond(signs[0]), `${text} is true`, loc);
    this.edge(onFalse.to, onFalse.kind, cond(signs[1]), `${text} is false`, loc);
    this.current = null;
  }

  /** `IS_ENABLED(CONFIG_X)` and its kin: the symbol whose fact it is, and what the configuration says of it. */
  private configMacroCall(node: SyntaxNode): { symbol: string; truth: boolean | undefined } | null {
    const args = namedChildren(child(node, 'arguments')!);
    const name = calleeName(node);
    if (!name || args.length !== 1 || args[0]!.type !== 'identifier') return null;
    const argument = String(args[0]!.text);
    const symbol = configMacroSymbol(name, argument);
    return symbol === null ? null : { symbol, truth: this.options.configuration.test(name, argument) };
  }

  /** `a && b` / `a || b`, the left operands of a chain (`a && b && c` nests
   *  to the left) followed down in a loop: for each operator, its middle block
   *  (made outermost first), where the left operand goes on, and the targets its
   *  left operand gets; then the leftmost operand, then the right ones, innermost first. */
  private logicalCondition(outer: SyntaxNode, onTrue: BranchTarget, onFalse: BranchTarget): void {
    const spine: { node: SyntaxNode; mid: number; onTrue: BranchTarget; onFalse: BranchTarget }[] = [];
    let node = outer;
    let targets = { onTrue, onFalse };
    for (;;) {
      const mid = this.newBlock().id;
      spine.push({ node, mid, ...targets });
      targets = operatorOf(node) === '&&'
        ? { onTrue: { to: mid, kind: 'true' }, onFalse: targets.onFalse }
        : { onTrue: targets.onTrue, onFalse: { to: mid, kind: 'false' } };
      const left = unparen(child(node, 'left')!);
      if (!isLogical(left)) { this.condition(left, targets.onTrue, targets.onFalse); break; }
      node = left;
    }
    for (let i = spine.length - 1; i >= 0; i--) {
      const s = spine[i]!;
      this.current = this.blocks[s.mid]!;
      this.condition(child(s.node, 'right')!, s.onTrue, s.onFalse);
    }
  }

  /** `x OP k` or `k OP x` with k constant: the signs of x on the true and the false edge. */
  private comparison(node: SyntaxNode): { operand: SyntaxNode; signs: [SignSet, SignSet] } | null {
    let op = operatorOf(node);
    let left = child(node, 'left')!;
    let right = child(node, 'right')!;
    let k = this.constantValue(right);
    if (k === null) {
      k = this.constantValue(left);
      if (k === null) return null;
      [left, right] = [right, left];
      op = ({ '<': '>', '>': '<', '<=': '>=', '>=': '<=' } as Record<string, string>)[op] ?? op;
    }
    const signs = comparisonSigns(op, k);
    return signs ? { operand: left, signs } : null;
  }

  /** The integer value of a constant expression, when it is one we can read. */
  private constantValue(raw: SyntaxNode): number | null {
    if (!this.enter()) return null;
    const value = this.constantValueOf(unparen(raw));
    this.nesting--;
    return value;
  }

  private constantValueOf(node: SyntaxNode): number | null {
    switch (node.type) {
      case 'number_literal': {
        const n = Number(String(node.text).replace(/[uUlL]+$/, ''));
        return Number.isFinite(n) ? n : null;
      }
      case 'true': return 1;
      case 'false': case 'null': return 0;
      case 'char_literal': return String(node.text) === "'\\0'" ? 0 : 1;
      case 'identifier': {
        const name = String(node.text);
        if (name === 'NULL') return 0;
        return this.options.constants.get(name) ?? null;
      }
      case 'unary_expression': {
        const arg = child(node, 'argument');
        const op = operatorOf(node);
        if (op === '-' && arg) {
          const v = this.constantValue(arg);
          if (v !== null) return -v;
          if (arg.type === 'identifier' && isErrnoName(String(arg.text))) return -1;
        }
        return null;
      }
      case 'cast_expression': {
        const value = child(node, 'value');
        return value ? this.constantValue(value) : null;
      }
      default:
        return null;
    }
  }

  // ---- expressions ----------------------------------------------------------

  /** Emits the events of `node` in evaluation order and returns what its value is known to be. */
  private expression(node: SyntaxNode): Value {
    if (!this.enter()) return { kind: 'unknown' };
    const result = this.expressionOfKind(node);
    this.nesting--;
    return result;
  }

  private expressionOfKind(node: SyntaxNode): Value {
    switch (node.type) {
      case 'identifier': {
        const k = this.constantValue(node);
        if (k !== null) return { kind: 'const', signs: signOf(k) };
        this.valueNames.add(String(node.text));
        return { kind: 'var', name: String(node.text) };
      }
      case 'number_literal': case 'true': case 'false': case 'null': case 'char_literal': {
        const k = this.constantValue(node);
        return k === null ? { kind: 'unknown' } : { kind: 'const', signs: signOf(k) };
      }
      case 'parenthesized_expression': {
        const inner = namedChildren(node)[0];
        if (!inner) return { kind: 'unknown' };
        if (inner.type === 'compound_statement') return this.statementExpression(inner);
        return this.expression(inner);
      }
      case 'call_expression':
        return this.call(node);
      case 'assignment_expression':
        return this.assignment(node);
      case 'update_expression': {
        const arg = child(node, 'argument');
        if (arg?.type === 'identifier') this.emit({ kind: 'assign', target: String(arg.text), value: { kind: 'unknown' }, loc: this.loc(node) });
        else if (arg) {
          this.expression(arg);
          const base = baseIdentifier(arg);
          if (base) this.emit({ kind: 'assign', target: memoryOf(base), value: { kind: 'unknown' }, loc: this.loc(node) });
        }
        return { kind: 'unknown' };
      }
      case 'unary_expression': {
        const k = this.constantValue(node);
        if (k !== null) return { kind: 'const', signs: signOf(k) };
        const arg = child(node, 'argument');
        const value = arg ? this.expression(arg) : { kind: 'unknown' as const };
        if (operatorOf(node) === '-' && value.kind === 'const') return { kind: 'const', signs: negateSigns(value.signs) };
        return { kind: 'unknown' };
      }
      case 'binary_expression': {
        const op = operatorOf(node);
        if (op === '&&' || op === '||') return this.valueOfCondition(node);
        // `a + b + c` nests to the left: down the left operands in a loop, then
        // the right ones from the innermost out (evaluation order).
        const rights: SyntaxNode[] = [];
        let left = node;
        while (left.type === 'binary_expression' && !isLogical(left)) {
          rights.push(child(left, 'right')!);
          left = child(left, 'left')!;
        }
        this.expression(left);
        for (let i = rights.length - 1; i >= 0; i--) this.expression(rights[i]!);
        return { kind: 'unknown' };
      }
      case 'conditional_expression': {
        const result = this.newTemp();
        const yes = this.newBlock();
        const no = this.newBlock();
        const after = this.newBlock();
        this.condition(child(node, 'condition')!, { to: yes.id, kind: 'true' }, { to: no.id, kind: 'false' });
        for (const [block, field] of [[yes, 'consequence'], [no, 'alternative']] as const) {
          this.current = block;
          const branch = child(node, field);
          const value = branch ? this.expression(branch) : { kind: 'unknown' as const };
          this.emit({ kind: 'assign', target: result, value, loc: this.loc(node) });
          this.jump(after.id, 'fall');
        }
        this.current = after;
        return { kind: 'var', name: result };
      }
      case 'comma_expression': {
        // `a, b, c` nests to the right.
        let rest = node;
        while (rest.type === 'comma_expression') {
          this.expression(child(rest, 'left')!);
          rest = child(rest, 'right')!;
        }
        return this.expression(rest);
      }
      case 'cast_expression': {
        const value = child(node, 'value');
        return value ? this.expression(value) : { kind: 'unknown' };
      }
      case 'sizeof_expression': case 'alignof_expression': case 'offsetof_expression':
      case 'string_literal': case 'concatenated_string': case 'gnu_asm_expression': case 'generic_expression':
        return { kind: 'unknown' };
      default:
        // field, subscript, pointer, compound literal, initializer lists, ERROR …:
        // evaluate the calls they contain, in order.
        for (const c of namedChildren(node)) {
          if (c.type === 'compound_statement') this.statementExpression(c);
          else if (c.type !== 'field_identifier' && c.type !== 'type_descriptor') this.expression(c);
        }
        return { kind: 'unknown' };
    }
  }

  /** `({ …; v; })`: the statements run, the value is the last expression's. */
  private statementExpression(block: SyntaxNode): Value {
    const statements = namedChildren(block);
    const last = statements[statements.length - 1];
    for (const s of statements.slice(0, -1)) this.statement(s);
    if (last?.type === 'expression_statement' && namedChildren(last)[0]) return this.expression(namedChildren(last)[0]!);
    if (last) this.statement(last);
    return { kind: 'unknown' };
  }

  /** `a && b` used as a value: branches, with a temporary holding 1 or 0. */
  private valueOfCondition(node: SyntaxNode): Value {
    const result = this.newTemp();
    const yes = this.newBlock();
    const no = this.newBlock();
    const after = this.newBlock();
    this.condition(node, { to: yes.id, kind: 'true' }, { to: no.id, kind: 'false' });
    const loc = this.loc(node);
    this.current = yes;
    this.emit({ kind: 'assign', target: result, value: { kind: 'const', signs: ONE }, loc });
    this.jump(after.id, 'fall');
    this.current = no;
    this.emit({ kind: 'assign', target: result, value: { kind: 'const', signs: ZERO }, loc });
    this.jump(after.id, 'fall');
    this.current = after;
    return { kind: 'var', name: result };
  }

  private assignment(node: SyntaxNode): Value {
    const left = child(node, 'left')!;
    const right = child(node, 'right')!;
    const op = operatorOf(node);
    const value = this.expression(right);
    if (left.type === 'identifier') {
      this.emit({ kind: 'assign', target: String(left.text), value: op === '=' ? value : { kind: 'unknown' }, loc: this.loc(node) });
      return { kind: 'var', name: String(left.text) };
    }
    this.expression(left);
    const base = baseIdentifier(left);
    if (base) this.emit({ kind: 'assign', target: memoryOf(base), value: { kind: 'unknown' }, loc: this.loc(node) });
    const assigned = unparen(right).type === 'cast_expression' ? child(unparen(right), 'value') : right;
    const fnName = assigned ? addressedName(assigned) : null;
    const field = left.type === 'field_expression' ? child(left, 'field')?.text : null;
    if (op === '=' && field && fnName) this.memberAssignments.push([field, fnName]);
    return op === '=' ? value : { kind: 'unknown' };
  }

  private call(node: SyntaxNode): Value {
    const fnNode = child(node, 'function')!;
    const name = calleeName(node);
    const argNodes = namedChildren(child(node, 'arguments') ?? node).filter((a) => a.field !== 'function');
    if (name && TRANSPARENT_CALLS.has(name) && argNodes.length >= 1) {
      const first = this.expression(argNodes[0]!);
      for (const a of argNodes.slice(1)) this.expression(a);
      return first;
    }
    const dispatch = name ? null : dispatchOf(fnNode);
    if (!name && dispatch?.kind !== 'key') this.expression(fnNode);
    const args: CallArg[] = argNodes.map((a) => {
      const u = unparen(a);
      const addressOf = u.type === 'pointer_expression' && operatorOf(u) === '&' && child(u, 'argument')?.type === 'identifier'
        ? String(child(u, 'argument')!.text) : null;
      return { text: this.text(a), ident: u.type === 'identifier' ? String(u.text) : null, addressOf };
    });
    for (const a of argNodes) this.expression(a);
    const result = this.newTemp();
    this.emit({ kind: 'call', callee: name, calleeText: this.text(fnNode), dispatch, args, result, loc: this.loc(node) });
    if (name && this.options.isNoReturn(name)) this.current = null;
    if (name && this.options.predicates?.has(name) && argNodes.length && argNodes.every(isStableArgument)) {
      return { kind: 'var', name: predicateSubject(name, argNodes.map((a) => this.text(a))) };
    }
    return { kind: 'var', name: result };
  }
}

// ---- helpers ----------------------------------------------------------------

/** An argument whose value the code between two tests changes only by assignment. */
function isStableArgument(node: SyntaxNode): boolean {
  const n = unparen(node);
  switch (n.type) {
    case 'identifier': case 'number_literal': case 'true': case 'false': case 'null': return true;
    case 'field_expression': return isStableArgument(child(n, 'argument')!);
    case 'subscript_expression': return isStableArgument(child(n, 'argument')!) && isStableArgument(child(n, 'index')!);
    case 'pointer_expression': return isStableArgument(child(n, 'argument')!);
    case 'cast_expression': return isStableArgument(child(n, 'value')!);
    default: return false;
  }
}

/** The identifier a field, subscript or dereference is based on (`regs` of `regs->status`). */
function baseIdentifier(node: SyntaxNode): string | null {
  let n = unparen(node);
  for (;;) {
    if (n.type === 'identifier') return String(n.text);
    const inner = n.type === 'field_expression' || n.type === 'subscript_expression' || n.type === 'pointer_expression'
      ? child(n, 'argument') : n.type === 'cast_expression' ? child(n, 'value') : null;
    if (!inner) return null;
    n = unparen(inner);
  }
}

/** Values matter only where a branch tests them, a return forwards them, or a
 *  call receives them (saved interrupt flags). Facts about anything else would
 *  only split states: `a = f(); b = g();` must not multiply paths by the
 *  callees' return values when nothing tests a or b. */
function pruneIrrelevantValues(blocks: Block[]): void {
  const relevant = new Set<string>();
  for (const b of blocks) {
    for (const e of b.succs) if (e.cond) relevant.add(e.cond.subject);
    for (const e of b.succs) if (e.cond && isPredicateSubject(e.cond.subject)) for (const d of predicateDependencies(e.cond.subject)) relevant.add(d);
    for (const ev of b.events) {
      if (ev.kind === 'return' && ev.value?.kind === 'var') relevant.add(ev.value.name);
      if (ev.kind === 'call') for (const a of ev.args) relevant.add(a.ident ?? a.text.replace(/\s+/g, ''));
    }
  }
  for (let changed = true; changed;) {
    changed = false;
    for (const b of blocks) for (const ev of b.events) {
      if (ev.kind === 'assign' && relevant.has(ev.target) && ev.value.kind === 'var' && !relevant.has(ev.value.name)) {
        relevant.add(ev.value.name);
        changed = true;
      }
    }
  }
  for (const b of blocks) {
    b.events = b.events.filter((ev) => ev.kind !== 'assign' || relevant.has(ev.target));
    for (const ev of b.events) if (ev.kind === 'call' && !relevant.has(ev.result)) ev.result = '';
  }
}

function markReachable(blocks: Block[], entry: number): void {
  const stack = [entry];
  while (stack.length) {
    const b = blocks[stack.pop()!]!;
    if (b.reachable) continue;
    b.reachable = true;
    for (const e of b.succs) stack.push(e.to);
  }
}

function isLogical(node: SyntaxNode): boolean {
  if (node.type !== 'binary_expression') return false;
  const op = operatorOf(node);
  return op === '&&' || op === '||';
}

export function unparen(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (n.type === 'parenthesized_expression') {
    const inner = namedChildren(n);
    if (inner.length !== 1 || inner[0]!.type === 'compound_statement') break;
    n = inner[0]!;
  }
  return n;
}

export function operatorOf(node: SyntaxNode): string {
  return String(child(node, 'operator')?.text ?? '');
}

/** `fn` or `&fn`. */
function addressedName(node: SyntaxNode): string | null {
  const u = unparen(node);
  if (u.type === 'identifier') return String(u.text);
  if (u.type === 'pointer_expression' && operatorOf(u) === '&' && child(u, 'argument')?.type === 'identifier') {
    return String(child(u, 'argument')!.text);
  }
  return null;
}

/** What an indirect call dispatches through: `a->ops->run(…)` -> member run of
 *  the field ops; `static_call(key)(…)` or any `M(key)(…)` -> key. */
function dispatchOf(fnNode: SyntaxNode): Dispatch | null {
  let u = unparen(fnNode);
  // `(*p)(…)`, `(**p)(…)`: through the pointer.
  while (u.type === 'pointer_expression' && operatorOf(u) === '*') {
    const inner = child(u, 'argument');
    if (!inner) return null;
    u = unparen(inner);
  }
  if (u.type === 'field_expression') {
    const member = child(u, 'field')?.text;
    // The field the member is reached through, as the name index reads it (no
    // parentheses looked into): both resolve the call alike (kernel/linkage).
    const container = child(u, 'argument') ?? u;
    const containerField = container.type === 'field_expression' ? child(container, 'field')?.text ?? null : null;
    return member ? { kind: 'member', member, container: containerField } : null;
  }
  if (u.type === 'call_expression') {
    const macro = calleeName(u);
    const args = namedChildren(child(u, 'arguments') ?? u).filter((a) => a.field !== 'function');
    if (macro && args.length === 1 && args[0]!.type === 'identifier') return { kind: 'key', macro, key: String(args[0]!.text) };
  }
  return null;
}

export function calleeName(call: SyntaxNode): string | null {
  const fn = child(call, 'function');
  if (!fn) return null;
  const u = unparen(fn);
  return u.type === 'identifier' ? String(u.text) : null;
}

function plainDeclaratorName(decl: SyntaxNode | undefined): string | null {
  return decl?.type === 'identifier' ? String(decl.text) : null;
}

function negateSigns(s: SignSet): SignSet {
  return (s & ZERO) | (s & NEG ? POS : 0) | (s & POS ? NEG : 0);
}

/** Kernel error codes (`-EINVAL`, `-EINTR`) are negative. */
function isErrnoName(name: string): boolean {
  return /^E[A-Z0-9_]+$/.test(name);
}

/** Classes of x for which `x OP k` can be true and can be false. */
function comparisonSigns(op: string, k: number): [SignSet, SignSet] | null {
  const holds: Record<string, (lo: number, hi: number) => [boolean, boolean]> = {
    // [can be true, can be false] over x in [lo, hi]
    '==': (lo, hi) => [lo <= k && k <= hi, !(lo === k && hi === k)],
    '!=': (lo, hi) => [!(lo === k && hi === k), lo <= k && k <= hi],
    '<': (lo, hi) => [lo < k, hi >= k],
    '<=': (lo, hi) => [lo <= k, hi > k],
    '>': (lo, hi) => [hi > k, lo <= k],
    '>=': (lo, hi) => [hi >= k, lo < k],
  };
  const test = holds[op];
  if (!test) return null;
  let onTrue = 0;
  let onFalse = 0;
  for (const c of SIGN_CLASSES) {
    const [canTrue, canFalse] = test(c.lo, c.hi);
    if (canTrue) onTrue |= c.bit;
    if (canFalse) onFalse |= c.bit;
  }
  return [onTrue, onFalse];
}
