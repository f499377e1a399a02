// Retries with exponential backoff, for a source that is down (a database not answering, a drop
// folder not mounted yet). Only errors that say the source is unreachable are retried: a rule,
// privacy-gate, contract or lock error is final and is rethrown at once.
import type { Logger } from './io.ts';

export interface RetryOptions {
  /** Total tries, the first included (1 = no retry). */
  attempts: number;
  /** Delay before the first retry; it doubles for each later one. */
  baseMs: number;
  /** Ceiling for any one delay. */
  maxMs: number;
  /** Which errors are worth another try (default: `isSourceUnreachable`). */
  isRetryable?: (err: unknown) => boolean;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  log?: Pick<Logger, 'warn'>;
  /** Names the work in log lines. */
  label?: string;
}

export const DEFAULT_RETRY: Pick<RetryOptions, 'attempts' | 'baseMs' | 'maxMs'> = { attempts: 4, baseMs: 30_000, maxMs: 10 * 60_000 };

/** Messages and codes that mean "the source could not be reached", nothing else. */
export const SOURCE_UNREACHABLE = /unreachable|ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|no batches/i;

/** Errors that are never retried whatever their message says: the rules, the privacy gates, the lock. */
const FINAL = /^(ScanBlockedError|RunInProgressError|UnapprovedChangeError|DefinitionError|SourceShapeError|\w*(Rule|Privacy|Scan)\w*Error)$/;

export function isSourceUnreachable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (FINAL.test(err.name) || FINAL.test(err.constructor?.name ?? '')) return false;
  const code = (err as { code?: unknown }).code;
  return SOURCE_UNREACHABLE.test(err.message) || (typeof code === 'string' && SOURCE_UNREACHABLE.test(code));
}

/** Delay before retry number `retry` (1-based): baseMs · 2^(retry−1), at most maxMs. */
export function backoffMs(retry: number, o: Pick<RetryOptions, 'baseMs' | 'maxMs'>): number {
  return Math.min(o.maxMs, o.baseMs * 2 ** (retry - 1));
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `fn`, retrying retryable failures with exponential backoff; the last error is rethrown. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  const attempts = Math.max(1, Math.floor(o.attempts));
  const retryable = o.isRetryable ?? isSourceUnreachable;
  const sleep = o.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= attempts || !retryable(err)) throw err;
      const ms = backoffMs(attempt, o);
      const first = String((err as Error)?.message ?? err).split('\n')[0].slice(0, 200);
      o.log?.warn(`${o.label ? `${o.label}: ` : ''}attempt ${attempt} of ${attempts} failed (${first}); retrying in ${Math.round(ms / 1000)} s`);
      await sleep(ms);
    }
  }
}
