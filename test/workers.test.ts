// Worker threads (built code only: the pool runs dist/run/worker.js, so
// this test uses the compiled modules `npm test` builds first). Their results
// equal the in-thread ones, and the report is byte-identical whatever the
// number of workers.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = path.join(__dirname, '..');
const dist = path.join(repo, 'dist');
const built = existsSync(path.join(dist, 'run', 'worker.js'));
const fixtures = path.join(repo, 'fixtures');

describe.runIf(built)('worker threads', () => {
  it('index and build results from workers equal those computed in this thread', async () => {
    const { WorkerPool } = await import(pathToFileURL(path.join(dist, 'run', 'worker-pool.js')).href);
    const tasks = await import(pathToFileURL(path.join(dist, 'run', 'file-tasks.js')).href);
    const { BUILTIN_MODEL } = await import(pathToFileURL(path.join(dist, 'model', 'primitives.js')).href);
    const { collectFiles } = await import(pathToFileURL(path.join(dist, 'scan', 'collect.js')).href);
    // A configuration that decides some of the fixtures' #if arms (fixtures/trees/config): the
    // workers read files as it compiles them, as this thread does.
    const setup = {
      model: { generations: BUILTIN_MODEL, builtinWrappers: undefined },
      configuration: { defined: [['CONFIG_ARM64_FIXED_EXIT', '1']], undefined: [], closed: true, makeArch: null, origin: null },
    };
    const work = tasks.makeFileWork(setup);
    const unconfigured = tasks.makeFileWork({ ...setup, configuration: { defined: [], undefined: [], closed: false, makeArch: null, origin: null } });
    const configured = path.join(fixtures, 'trees', 'config', 'arch', 'arm64', 'kvm', 'arm.c');
    expect(tasks.indexFile({ file: configured }, work)).not.toEqual(tasks.indexFile({ file: configured }, unconfigured));
    const { files } = collectFiles([fixtures]);
    const pool = WorkerPool.start(2, setup);
    expect(pool).not.toBeNull();
    try {
      const indexTasks = files.map((file: string) => ({ file }));
      expect(await pool.map('index', indexTasks)).toEqual(indexTasks.map((t: { file: string }) => tasks.indexFile(t, work)));
      const buildTasks = files.filter((f: string) => f.endsWith('.c'))
        .map((file: string) => ({ file, wanted: null, unreliable: false, known: [], headerConstants: [], headerPredicates: [] }));
      expect(await pool.map('build', buildTasks)).toEqual(buildTasks.map((t: unknown) => tasks.buildFile(t, work)));
    } finally {
      await pool.close();
    }
  });

  it('the report is byte-identical with 1, 2 and 3 workers', () => {
    const scan = (jobs: string): string => spawnSync(process.execPath,
      [path.join(repo, 'bin', 'eqscheck.js'), 'scan', fixtures, '--format', 'sarif', '--no-cache', '--jobs', jobs],
      { encoding: 'utf8', cwd: repo, maxBuffer: 64 * 2 ** 20 }).stdout;
    const one = scan('1');
    expect(JSON.parse(one).runs[0].results.length).toBeGreaterThan(50);
    expect(scan('2')).toBe(one);
    expect(scan('3')).toBe(one);
  });
});
