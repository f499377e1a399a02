// The scheduler: one cron task per dataset, runs never overlap, a bad expression names the dataset.
import { describe, expect, it } from 'vitest';
import { memoryLogger } from '../../pipelines/io.ts';
import { scheduleDatasets } from '../../pipelines/schedule.ts';

describe('scheduleDatasets', () => {
  it('refuses an invalid cron expression, naming the dataset', () => {
    expect(() => scheduleDatasets([{ id: 'abcd-1234', slug: 'calls', schedule: 'every night' }], 'UTC', async () => {}, memoryLogger()))
      .toThrow(/calls: "every night" is not a valid cron expression/);
  });

  it('runs each dataset on its schedule without overlapping runs', async () => {
    let running = 0;
    let maxRunning = 0;
    const started: string[] = [];
    const scheduler = scheduleDatasets(
      [{ id: 'aaaa-1111', slug: 'a', schedule: '* * * * * *' }, { id: 'bbbb-2222', slug: 'b', schedule: '* * * * * *' }],
      'America/Los_Angeles',
      async (id) => {
        started.push(id);
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 1500));
        running--;
      },
      memoryLogger(),
    );
    await new Promise((r) => setTimeout(r, 4200));
    scheduler.stop();
    expect(started).toContain('aaaa-1111');
    expect(started).toContain('bbbb-2222');
    expect(maxRunning).toBe(1);
  });
});
