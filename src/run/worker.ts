// A worker thread of the pool: runs file tasks with its own parser and model.
import { parentPort, workerData } from 'node:worker_threads';
import { InternalError } from '../errors.js';
import { buildFileInPieces, indexFile, makeFileWork, type BuildTask, type IndexTask, type WorkerSetup } from './file-tasks.js';

const work = makeFileWork(workerData as WorkerSetup);

parentPort!.on('message', async (m: { id: number; kind: 'index' | 'build'; task: unknown }) => {
  try {
    const result = m.kind === 'index'
      ? indexFile(m.task as IndexTask, work)
      : await buildFileInPieces(m.task as BuildTask, work);
    parentPort!.postMessage({ id: m.id, result });
  } catch (err) {
    parentPort!.postMessage({
      id: m.id, error: err instanceof Error ? err.stack ?? err.message : String(err),
      internal: err instanceof InternalError ? err.message : undefined,
    });
  }
});
