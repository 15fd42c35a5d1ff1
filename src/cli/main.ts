// The command-line program. Exit codes: 0 no findings, 1 findings, 2 usage or input error.
import { Command, CommanderError, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { analyzeFiles } from '../analysis/analyze.js';
import { InputError } from '../parser/source.js';
import { formatJson } from '../report/json.js';
import { formatText } from '../report/text.js';
import { RULES, findRule } from '../rules/index.js';
import { collectFiles } from '../scan/collect.js';
import { TOOL_VERSION } from '../version.js';

export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

class UsageError extends Error {}

const FORMATS = ['text', 'json'] as const;

function selectRules(spec: string | undefined) {
  if (!spec) return RULES;
  const ids = spec.split(',').map((s) => s.trim()).filter(Boolean);
  return ids.map((id) => {
    const rule = findRule(id);
    if (!rule) throw new UsageError(`unknown rule '${id}' (known rules: ${RULES.map((r) => r.id).join(', ')})`);
    return rule;
  });
}

interface ScanOptions { format: string; output?: string; rules?: string; define: string[] }

async function scan(paths: string[], opts: ScanOptions): Promise<number> {
  if (!(FORMATS as readonly string[]).includes(opts.format)) {
    throw new UsageError(`unknown format '${opts.format}' (known formats: ${FORMATS.join(', ')})`);
  }
  const rules = selectRules(opts.rules);
  const { files, explicit } = collectFiles(paths.length ? paths : ['.']);
  const result = await analyzeFiles(files, { rules, defines: new Set(opts.define), explicit });
  const out = opts.format === 'json' ? formatJson(result) : formatText(result);
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
    .action(async (paths: string[], opts: ScanOptions) => { exitCode = await scan(paths, opts); });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT_CLEAN : EXIT_USAGE;
    }
    if (err instanceof InputError || err instanceof UsageError) {
      process.stderr.write(`eqscheck: error: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}
