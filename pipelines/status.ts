// Run status from the run history (DATA/runs/history.jsonl): the last run, and per dataset its
// last success, last failure and next scheduled run. Run history is metadata, but an error message
// may quote a source value, so only its first line, cut to 200 characters, ever leaves this module.
import { readRuns, type RunRecord } from './history.ts';
import { nextRun } from './schedule.ts';

export const ERROR_MAX = 200;

/** The first line of an error message, at most 200 characters. */
export function safeError(message: string | null | undefined): string | null {
  if (!message) return null;
  const first = message.split(/\r?\n/)[0].trim();
  return first.length > ERROR_MAX ? `${first.slice(0, ERROR_MAX - 1)}…` : first;
}

export interface RunSummary {
  runId: string;
  startedAt: string;
  endedAt: string;
  status: RunRecord['status'];
  datasets: string[];
  releaseId: string | null;
  error: string | null;
}

export interface DatasetStatus {
  id: string;
  schedule: string | null;
  lastRun: { at: string; status: RunRecord['status'] } | null;
  lastSuccess: { at: string; releaseId: string | null } | null;
  lastFailure: { at: string; error: string | null } | null;
  nextRun: string | null;
}

export interface StatusReport {
  /** A release is serving, and no dataset's most recent run failed. */
  ok: boolean;
  release: string | null;
  timezone: string;
  lastRun: RunSummary | null;
  counts: { runs: number; succeeded: number; failed: number };
  datasets: DatasetStatus[];
  /** The most recent runs, newest first. */
  recent: RunSummary[];
}

export interface StatusInput {
  runs: RunRecord[];
  /** The release now serving (null: none). */
  release: string | null;
  timezone: string;
  /** Datasets with their cron schedules; datasets only seen in the history are listed too. */
  schedules: { id: string; schedule: string }[];
  now: Date;
  recent?: number;
}

export function summarizeRun(r: RunRecord): RunSummary {
  return { runId: r.runId, startedAt: r.startedAt, endedAt: r.endedAt, status: r.status, datasets: r.datasets, releaseId: r.releaseId, error: safeError(r.error) };
}

const endOf = (r: RunRecord) => r.endedAt || r.startedAt;

function safeNextRun(schedule: string, timezone: string, now: Date): string | null {
  try {
    return nextRun(schedule, timezone, now)?.toISOString() ?? null;
  } catch {
    return null;
  }
}

export function buildStatus(input: StatusInput): StatusReport {
  const runs = [...input.runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const ids = [...new Set([...input.schedules.map((s) => s.id), ...runs.flatMap((r) => r.datasets)])];
  const datasets = ids.map((id): DatasetStatus => {
    const mine = runs.filter((r) => r.datasets.includes(id));
    const last = mine.at(-1);
    const success = mine.filter((r) => r.status === 'succeeded').at(-1);
    const failure = mine.filter((r) => r.status === 'failed').at(-1);
    const schedule = input.schedules.find((s) => s.id === id)?.schedule ?? null;
    return {
      id,
      schedule,
      lastRun: last ? { at: endOf(last), status: last.status } : null,
      lastSuccess: success ? { at: endOf(success), releaseId: success.releaseId } : null,
      lastFailure: failure ? { at: endOf(failure), error: safeError(failure.error) } : null,
      nextRun: schedule ? safeNextRun(schedule, input.timezone, input.now) : null,
    };
  });
  const succeeded = runs.filter((r) => r.status === 'succeeded').length;
  const last = runs.at(-1);
  return {
    ok: input.release !== null && datasets.every((d) => d.lastRun?.status !== 'failed'),
    release: input.release,
    timezone: input.timezone,
    lastRun: last ? summarizeRun(last) : null,
    counts: { runs: runs.length, succeeded, failed: runs.length - succeeded },
    datasets,
    recent: runs.slice(-(input.recent ?? 20)).reverse().map(summarizeRun),
  };
}

/** The status of a data directory: its run history read from disk. */
export async function readStatus(dataDir: string, rest: Omit<StatusInput, 'runs'>): Promise<StatusReport> {
  return buildStatus({ ...rest, runs: await readRuns(dataDir) });
}

/** The public JSON shape of /status.json and `publisher status --json`. */
export function statusJson(s: StatusReport) {
  return {
    ok: s.ok,
    release: s.release,
    lastRun: s.lastRun,
    counts: s.counts,
    datasets: s.datasets.map((d) => ({ id: d.id, schedule: d.schedule, lastRun: d.lastRun, lastSuccess: d.lastSuccess, lastFailure: d.lastFailure, nextRun: d.nextRun })),
  };
}

/** `publisher status`: the schedules come from the dataset definitions, as the scheduler uses them. */
export async function statusForConfig(config: { dataDir: string; datasetsDir?: string; agency: { timezone: string } }, now: Date): Promise<StatusReport> {
  const { loadDatasets } = await import('../datasets/load.ts');
  const { currentReleaseId } = await import('../publisher/release-reader.ts');
  const defs = await loadDatasets(config.datasetsDir);
  return readStatus(config.dataDir, {
    release: await currentReleaseId(config.dataDir),
    timezone: config.agency.timezone,
    schedules: defs.map(({ def }) => ({ id: def.id, schedule: def.schedule })),
    now,
  });
}

/** The plain-text form of `publisher status`. */
export function statusText(s: StatusReport): string {
  const lines = [
    `status: ${s.ok ? 'ok' : 'NOT OK'}`,
    `release serving: ${s.release ?? 'none'}`,
    `last run: ${s.lastRun ? `${s.lastRun.startedAt} ${s.lastRun.status}${s.lastRun.error ? ` (${s.lastRun.error})` : ''}` : 'none recorded'}`,
    `runs recorded: ${s.counts.runs} (${s.counts.succeeded} succeeded, ${s.counts.failed} failed)`,
    '',
    `dataset    last success              last failure              next run (${s.timezone})`,
  ];
  for (const d of s.datasets) {
    lines.push(`${d.id}  ${(d.lastSuccess?.at ?? 'never').padEnd(24)}  ${(d.lastFailure?.at ?? 'never').padEnd(24)}  ${d.nextRun ?? 'not scheduled'}`);
    if (d.lastFailure?.error) lines.push(`           last error: ${d.lastFailure.error}`);
  }
  return `${lines.join('\n')}\n`;
}
