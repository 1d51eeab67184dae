import { workerData } from 'node:worker_threads';
import { type ChunkJob, ChunkView } from './replay-chunks.js';

// Entry point of a parallel replay's worker thread (replay-parallel.ts): checks chunks of the
// shared log until none is left. Any failure here only costs time: the main thread checks
// every chunk a worker claimed but did not finish.
new ChunkView(workerData as ChunkJob).runClaims();
