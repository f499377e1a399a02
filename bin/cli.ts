// The `publisher` command line: subcommands, data on stdout, messages and progress on stderr,
// exit 0 (done), 1 (the work failed), 2 (the command was used wrongly).
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../pipelines/config.ts';
import { generateDemoRecords } from '../pipelines/demo/generate.ts';
import { BATCH_NAME } from '../pipelines/sources/csv-drop.ts';
import { systemClock } from '../pipelines/io.ts';
import { stderrLogger, stderrProgress } from '../pipelines/progress.ts';
import { runPipelines, type RunOptions } from '../pipelines/run.ts';
import { scheduleDatasets } from '../pipelines/schedule.ts';
import { statusForConfig, statusJson, statusText } from '../pipelines/status.ts';
import { loadDatasets } from '../datasets/load.ts';
import { rulesCommand, RulesUsageError } from './rules-command.ts';
import { rollback as rollbackRelease, sealRetained } from '../pipelines/rollback.ts';
import { appendAudit, readAudit } from '../pipelines/audit.ts';

const USAGE = `publisher: an open-data publisher for police records

usage:
  publisher start [--source DIR] [--data DIR] [--port N]
      demo records if the source is empty, one run of every pipeline, then the portal and schedules
  publisher demo-records --out DIR [--years N] [--seed S] [--scale F] [--end YYYY-MM-DD]
      write a seeded, deterministic CSV drop of synthetic records
  publisher run [--source DIR] [--data DIR] [--dataset ID]... [--full]
      stage what is new in the source (--full: everything), apply the privacy rules, publish a release
  publisher serve [--data DIR] [--port N]
      serve the portal from the published releases
  publisher audit [--data DIR] [--json]
      the audit log of admin actions (manual runs, rule approvals, rollbacks, sealing), for the privacy office
  publisher rollback [--data DIR] [--to RELEASE]
      serve an earlier retained release again (the one before the current one by default),
      first removing from it every record sealed since it was published
  publisher seal [--data DIR]
      remove sealed records from every retained release now (a rollback does it for its target)
  publisher status [--data DIR] [--json]
      recent runs, and each dataset's last success, last failure and next scheduled run
  publisher rules diff [--data DIR] [--json]
      compare the working rule catalog with the approved one, and preview the impact on staged records
  publisher rules approve RULE --by NAME --note TEXT
      record the privacy office's approval of a rule as it now stands

options:
  --config FILE   settings file (default ./publisher.config.yaml when present)
  PORT            environment variable; overrides the default port 8080
  PUBLISHER_KEY   environment variable; hex HMAC key for pseudonyms (else DATA/publisher.key)
`;

class UsageError extends Error {}

const log = stderrLogger();

function intOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number, got "${value}"`);
  return n;
}

async function configFrom(values: Record<string, unknown>): Promise<Config> {
  const file = values.config as string | undefined;
  if (file && !existsSync(file)) throw new UsageError(`--config ${file}: no such file`);
  const config = await loadConfig(process.cwd(), file ? path.resolve(file) : undefined);
  if (values.source) config.sourceDir = path.resolve(values.source as string);
  if (values.data) config.dataDir = path.resolve(values.data as string);
  return config;
}

async function demoRecords(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { out: { type: 'string' }, years: { type: 'string' }, seed: { type: 'string' }, scale: { type: 'string' }, end: { type: 'string' } } });
  if (!values.out) throw new UsageError('demo-records needs --out DIR');
  const end = values.end ? new Date(`${values.end}T00:00:00Z`) : new Date(new Date().toISOString().slice(0, 10));
  if (Number.isNaN(end.getTime())) throw new UsageError(`--end must be YYYY-MM-DD, got "${values.end}"`);
  const scale = values.scale === undefined ? 1 : Number(values.scale);
  if (!(scale > 0)) throw new UsageError(`--scale must be a positive number, got "${values.scale}"`);
  const t0 = Date.now();
  const summary = await generateDemoRecords({
    outDir: path.resolve(values.out), years: intOption(values.years, 'years', 2), seed: intOption(values.seed, 'seed', 1),
    end, scale, progress: stderrProgress(),
  });
  log.info(`wrote ${summary.batches.length} batches in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

/**
 * The portal's page renderer, for the scan gate. The site's modules (express, vega) take about a
 * second to load, so they load in the background while the run stages and applies the rules.
 */
function pageRenderer(): NonNullable<RunOptions['renderPages']> {
  const loading = import('../site/render-pages.ts');
  loading.catch(() => {}); // reported by the call that needs it
  return async (dir) => (await loading).renderReleasePages(dir);
}

/** The portal server, loaded only by the commands that serve. */
async function startServer(opts: { dataDir: string; port: number }) {
  return (await import('../site/server.ts')).startServer(opts);
}

const RUN_OPTIONS = { source: { type: 'string' }, data: { type: 'string' }, config: { type: 'string' }, dataset: { type: 'string', multiple: true }, full: { type: 'boolean' } } as const;

async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: RUN_OPTIONS });
  const config = await configFrom(values);
  const t0 = Date.now();
  await appendAudit(config.dataDir, 'run', { datasets: values.dataset ?? 'all', full: Boolean(values.full) });
  const result = await runPipelines({ config, only: values.dataset, full: values.full, log, progress: stderrProgress(), clock: systemClock, renderPages: pageRenderer() });
  log.info(`run finished in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  process.stdout.write(`${JSON.stringify({ releaseId: result.releaseId, reports: result.reports })}\n`);
}

function portFrom(value: string | undefined): number {
  return intOption(value ?? process.env.PORT, 'port', 8080);
}

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { data: { type: 'string' }, port: { type: 'string' }, config: { type: 'string' } } });
  const config = await configFrom(values);
  const server = await startServer({ dataDir: config.dataDir, port: portFrom(values.port) });
  log.info(`portal serving ${config.dataDir} at ${server.url}`);
  await new Promise<never>(() => {});
}

async function hasBatches(dir: string): Promise<boolean> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.some((n) => BATCH_NAME.test(n));
}

async function start(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { ...RUN_OPTIONS, port: { type: 'string' } } });
  const config = await configFrom(values);
  // 1. Records: the embedded demo when the source folder holds no batches.
  if (!(await hasBatches(config.sourceDir))) {
    log.info(`no records in ${config.sourceDir}: generating ${config.demo.years} years of demo records`);
    const end = new Date(new Date().toISOString().slice(0, 10));
    await generateDemoRecords({ outDir: config.sourceDir, years: config.demo.years, seed: config.demo.seed, end, progress: stderrProgress() });
  }
  // 2. One run of every pipeline.
  const renderPages = pageRenderer();
  await runPipelines({ config, log, progress: stderrProgress(), clock: systemClock, renderPages }).catch((err) => {
    log.error(`first run failed: ${(err as Error).message}; serving the last good release, if any`);
  });
  // 3. The portal, and the schedules.
  const server = await startServer({ dataDir: config.dataDir, port: portFrom(values.port) });
  log.info(`portal at ${server.url}`);
  const datasets = (await loadDatasets(config.datasetsDir)).map(({ def }) => ({ id: def.id, slug: def.slug, schedule: def.schedule }));
  const scheduler = scheduleDatasets(datasets, config.agency.timezone, async (id) => {
    await runPipelines({ config, only: [id], log, progress: stderrProgress(), clock: systemClock, renderPages });
  }, log);
  const stop = async () => {
    scheduler.stop();
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function rules(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, strict: false, options: { data: { type: 'string' }, config: { type: 'string' } } });
  const config = await configFrom(values);
  await rulesCommand(args, config, { catalogDir: config.catalogDir, datasetsDir: config.datasetsDir });
}

async function audit(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { data: { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean' } } });
  const entries = await readAudit((await configFrom(values)).dataDir);
  if (values.json) return void process.stdout.write(`${JSON.stringify(entries)}\n`);
  for (const e of entries) process.stdout.write(`${e.at}  ${e.action.padEnd(13)} ${e.actor.padEnd(10)} ${JSON.stringify(e.details)}\n`);
  if (!entries.length) log.info('the audit log is empty');
}

async function rollback(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { data: { type: 'string' }, config: { type: 'string' }, to: { type: 'string' } } });
  const config = await configFrom(values);
  const result = await rollbackRelease(config.dataDir, values.to, config);
  for (const [id, n] of Object.entries(result.sealed)) if (n) log.info(`sealing: removed ${n} sealed row(s) of ${id} from ${result.to} before it served`);
  log.info(`now serving ${result.to} (was ${result.from ?? 'nothing'})`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function seal(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { data: { type: 'string' }, config: { type: 'string' } } });
  const config = await configFrom(values);
  const results = await sealRetained(config.dataDir, config);
  for (const r of results) log.info(`sealing: removed ${r.removed} row(s) of ${r.datasetId} from retained release ${r.releaseId}`);
  if (!results.length) log.info('sealing: no retained release holds a sealed row');
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

async function status(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { data: { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean' } } });
  const report = await statusForConfig(await configFrom(values), systemClock());
  process.stdout.write(values.json ? `${JSON.stringify(statusJson(report))}\n` : statusText(report));
}

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = { 'demo-records': demoRecords, run, serve, start, rules, rollback, seal, status, audit };

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  const handler = COMMANDS[command];
  if (!handler) {
    process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  try {
    await handler(rest);
    return 0;
  } catch (err) {
    const e = err as Error & { code?: string };
    if (err instanceof UsageError || err instanceof RulesUsageError || e.code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`publisher ${command}: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    log.error(e.message);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
if (!['serve', 'start'].includes(process.argv[2] ?? '') || code !== 0) process.exit(code);
