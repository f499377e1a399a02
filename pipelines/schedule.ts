// The scheduler behind `npm start`: one node-cron task per dataset, in the agency's time zone,
// never overlapping itself, and runs of different datasets queued one after another.
import cron from 'node-cron';
import type { Logger } from './io.ts';

export interface ScheduledDataset {
  id: string;
  slug: string;
  schedule: string;
}

export interface Scheduler {
  stop(): void;
}

/** Registers the schedules; `runDataset` is queued so two runs never share the data directory. */
export function scheduleDatasets(
  datasets: ScheduledDataset[],
  timezone: string,
  runDataset: (id: string) => Promise<void>,
  log: Logger,
): Scheduler {
  let queue: Promise<void> = Promise.resolve();
  const tasks = datasets.map((d) => {
    if (!cron.validate(d.schedule)) throw new Error(`dataset ${d.slug}: "${d.schedule}" is not a valid cron expression`);
    const task = cron.schedule(
      d.schedule,
      () => {
        queue = queue.then(() =>
          runDataset(d.id).catch((err) => log.error(`scheduled run of ${d.slug} failed: ${(err as Error).message}`)),
        );
        return queue;
      },
      { timezone, noOverlap: true, name: `publish-${d.slug}` },
    );
    log.info(`scheduled ${d.slug} at "${d.schedule}" (${timezone})`);
    return task;
  });
  return { stop: () => tasks.forEach((t) => t.stop()) };
}
