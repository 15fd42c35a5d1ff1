// Applying a checked patch to a scratch tree with `git apply` run inside it, as a
// plain patch program: no repository is found from there (GIT_CEILING_DIRECTORIES,
// GIT_DIR unset, and the scratch tree has no .git), so no index is read or written.
// `--check` first, so that a patch that does not apply says which file and hunk.
import path from 'node:path';
import { InputError } from '../parser/source.js';
import { gitEnv, gitMessage, runGit } from './git.js';
import type { ParsedPatch } from './patch-file.js';

function scratchEnv(root: string): NodeJS.ProcessEnv {
  const env = gitEnv();
  for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_COMMON_DIR', 'GIT_NAMESPACE']) delete env[k];
  env['GIT_CEILING_DIRECTORIES'] = path.dirname(root);
  return env;
}

/** Applies the patch (written at `patchFile`) inside `root`; a patch that does not
 *  apply is an InputError that names the file and hunk. */
export async function applyPatch(patch: ParsedPatch, patchFile: string, root: string): Promise<void> {
  const env = scratchEnv(root);
  const check = await runGit(['apply', '--check', '--whitespace=nowarn', patchFile], { cwd: root, env });
  if (check.code !== 0) throw new InputError(patch.name, explainApplyFailure(patch, check.stderr));
  const apply = await runGit(['apply', '--whitespace=nowarn', patchFile], { cwd: root, env });
  if (apply.code !== 0) throw new InputError(patch.name, explainApplyFailure(patch, apply.stderr));
}

/** git apply's complaint in one line, with the hunk named where git names its line. */
export function explainApplyFailure(patch: ParsedPatch, stderr: string): string {
  const failed = /^error: patch failed: (.+):(\d+)$/m.exec(stderr);
  if (failed) {
    const [, file, at] = failed as unknown as [string, string, string];
    const fp = patch.files.find((f) => f.oldPath === file || f.newPath === file);
    const index = fp ? fp.hunks.findIndex((h) => h.oldStart === Number(at)) : -1;
    const hunk = fp && index >= 0
      ? `hunk ${index + 1} of ${fp.hunks.length} (${fp.hunks[index]!.header}, patch line ${fp.hunks[index]!.line})`
      : `the hunk at line ${at}`;
    return `patch does not apply: ${file}: ${hunk} does not match the tree (its context or removed lines differ)`;
  }
  // git counts the lines of what it was given: one patch of a series starts further down the input.
  const inputLine = (line: string) => Number(line) + patch.firstLine - 1;
  const corrupt = /^error: corrupt patch at line (\d+)$/m.exec(stderr);
  if (corrupt) return `malformed patch at line ${inputLine(corrupt[1]!)}: git apply reads it as corrupt`;
  const garbage = /^error: patch with only garbage at line (\d+)$/m.exec(stderr);
  if (garbage) return `malformed patch at line ${inputLine(garbage[1]!)}: no hunk there`;
  if (/No valid patches in input/.test(stderr)) return 'malformed patch: no file changes in it';
  const missing = /^error: (.+): (No such file or directory|does not exist in index)$/m.exec(stderr);
  if (missing) return `patch does not apply: ${missing[1]} is not in the tree`;
  const exists = /^error: (.+): already exists in working directory$/m.exec(stderr);
  if (exists) return `patch does not apply: ${exists[1]} already exists in the tree`;
  const beyond = /^error: affected file '(.+)' is beyond a symbolic link$/m.exec(stderr);
  if (beyond) return `patch does not apply: ${beyond[1]} is inside a symbolic link of the tree`;
  return `patch does not apply: ${gitMessage(stderr)}`;
}
