// The persisted run history: one JSON line per run (start, end, status, counts, error), in the
// private part of the data directory.
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface RunRecord {
  runId: string;
  startedAt: string;
  endedAt: string;
  status: 'succeeded' | 'failed';
  datasets: string[];
  releaseId: string | null;
  counts: Record<string, { rowsRead: number; quarantined: number; published: number }>;
  error: string | null;
}

const FILE = path.join('runs', 'history.jsonl');

export async function appendRun(dataDir: string, record: RunRecord): Promise<void> {
  await mkdir(path.join(dataDir, 'runs'), { recursive: true });
  await appendFile(path.join(dataDir, FILE), `${JSON.stringify(record)}\n`);
}

/** Every recorded run, oldest first; a torn or malformed line (a crash mid-append) is skipped. */
export async function readRuns(dataDir: string): Promise<RunRecord[]> {
  const text = await readFile(path.join(dataDir, FILE), 'utf8').catch(() => '');
  const out: RunRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as RunRecord;
      if (r && typeof r.runId === 'string' && typeof r.startedAt === 'string' && Array.isArray(r.datasets)) out.push(r);
    } catch {
      // skipped: not a whole record
    }
  }
  return out;
}
