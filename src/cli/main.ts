// The command-line program. Exit codes: 0 no findings, 1 findings, 2 usage or input error.
import { Command, CommanderError, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { analyzeFiles } from '../analysis/analyze.js';
import { ModelError } from '../model/model.js';
import { readUserModel } from '../model/user-model.js';
import { InputError } from '../parser/source.js';
import { formatJson } from '../report/json.js';
import { helpText } from '../report/help.js';
import { formatSarif } from '../report/sarif.js';
import { formatText, wantsColor } from '../report/text.js';
import { RULES, findRule } from '../rules/index.js';
import type { Rule } from '../rules/types.js';
import { collectFiles } from '../scan/collect.js';
import { TOOL_VERSION } from '../version.js';

export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

class UsageError extends Error {}

const FORMATS = ['text', 'json', 'sarif'] as const;

function knownRule(id: string): Rule {
  const rule = findRule(id);
  if (!rule) throw new UsageError(`unknown rule '${id}' (known rules: ${RULES.map((r) => r.id).join(', ')})`);
  return rule;
}

function selectRules(spec: string | undefined) {
  if (!spec) return RULES;
  return spec.split(',').map((s) => s.trim()).filter(Boolean).map(knownRule);
}

interface ScanOptions {
  format: string; output?: string; rules?: string; define: string[]; quiet?: boolean;
  all?: boolean; model: string[]; builtinWrappers: boolean;
}

async function scan(paths: string[], opts: ScanOptions): Promise<number> {
  if (!(FORMATS as readonly string[]).includes(opts.format)) {
    throw new UsageError(`unknown format '${opts.format}' (known formats: ${FORMATS.join(', ')})`);
  }
  const rules = selectRules(opts.rules);
  const models = opts.model.map(readUserModel);
  const { files, explicit } = collectFiles(paths.length ? paths : ['.'], { all: opts.all });
  const result = await analyzeFiles(files, {
    rules, defines: new Set(opts.define), explicit, models, builtinWrappers: opts.builtinWrappers,
  });
  const out = opts.format === 'json' ? formatJson(result) :
    opts.format === 'sarif' ? formatSarif(result) :
    formatText(result, { quiet: opts.quiet, color: !opts.output && wantsColor(process.stdout) });
  if (opts.output) {
    try {
      writeFileSync(opts.output, out);
    } catch (err) {
      throw new InputError(opts.output, `cannot write output (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  } else {
    process.stdout.write(out);
  }
  return result.findings.length ? EXIT_FINDINGS : EXIT_CLEAN;
}

/** `eqscheck rules`: one line per rule (id, default severity, short description). */
export function formatRuleList(): string {
  const idWidth = Math.max(...RULES.map((r) => r.id.length));
  const sevWidth = Math.max(...RULES.map((r) => r.defaultSeverity.length));
  return RULES.map((r) => `${r.id.padEnd(idWidth)}  ${r.defaultSeverity.padEnd(sevWidth)}  ${r.shortDescription}\n`).join('');
}

/** `eqscheck explain RULE`: the rule's full help, with its bad and good example. */
export function formatExplanation(rule: Rule): string {
  return `${rule.id} (${rule.name})\n` +
    `${rule.shortDescription}\n` +
    `default severity: ${rule.defaultSeverity}; precision: ${rule.precision}; tags: ${rule.tags.join(', ')}\n\n` +
    helpText(rule);
}

export async function main(argv: string[]): Promise<number> {
  let exitCode = EXIT_CLEAN;
  const program = new Command('eqscheck')
    .description('Find interrupts enabled while RCU is not watching (EQS) and unbalanced EQS/accounting enter/exit in kernel C')
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program.command('scan')
    .description('analyse C files and directories (recursing over *.c and *.h)')
    .argument('[paths...]', 'files or directories', [])
    .addOption(new Option('-f, --format <format>', 'output format').choices([...FORMATS]).default('text'))
    .option('-o, --output <file>', 'write the report to a file')
    .option('-r, --rules <ids>', 'comma-separated rule ids to run')
    .option('-D, --define <name>', 'treat #ifdef NAME / #if defined(NAME) as true (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('-q, --quiet', 'text format: print the findings only, no summary lines')
    .option('--all', 'in a kernel tree, scan every .c/.h file instead of arch/*/kvm and virt/kvm')
    .option('-m, --model <file>', 'model file: extra primitives and entry facts (repeatable; see models/)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--no-builtin-wrappers', 'derive the guest_*/user_* wrappers only from the headers of the tree, without the built-in table')
    .action(async (paths: string[], opts: ScanOptions) => { exitCode = await scan(paths, opts); });
  program.command('rules')
    .description('list the rules: id, default severity, what each reports')
    .action(() => { process.stdout.write(formatRuleList()); });
  program.command('explain')
    .description('print a rule\'s full help, with an example of code it reports and the fix')
    .argument('<rule>', 'rule id (see `eqscheck rules`)')
    .action((id: string) => { process.stdout.write(formatExplanation(knownRule(id))); });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT_CLEAN : EXIT_USAGE;
    }
    if (err instanceof InputError || err instanceof UsageError || err instanceof ModelError) {
      process.stderr.write(`eqscheck: error: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}
