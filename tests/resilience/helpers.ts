// Shared pieces of the resilience suite: a seeded RNG, the publisher CLI as a child process, and
// the strict check that a release directory is whole (manifest valid, every file's hash matches).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChartArtifact, Manifest } from '../../publisher/manifest.ts';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(REPO, 'bin', 'publisher.js');

/** mulberry32: small, seeded, good enough to spread kill times. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Cli {
  child: ChildProcess;
  /** stderr so far (messages and progress lines). */
  stderr(): string;
  stdout(): string;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `node bin/publisher.js ARGS` in `cwd` (a temp dir, so no stray publisher.config.yaml applies). */
export function startCli(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Cli {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stderr: () => err, stdout: () => out, exited };
}

export async function runCli(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }) {
  const cli = startCli(args, opts);
  const { code } = await cli.exited;
  return { code, stderr: cli.stderr(), stdout: cli.stdout() };
}

export const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

/**
 * Throws unless `releases/<id>` is a whole release: a manifest that parses and names this id,
 * every bulk file present with the manifest's size and SHA-256, every chart artifact valid, and
 * the catalog and privacy report present.
 */
export async function verifyRelease(dataDir: string, id: string): Promise<Manifest> {
  const dir = path.join(dataDir, 'releases', id);
  const manifest = Manifest.parse(JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')));
  if (manifest.releaseId !== id) throw new Error(`${dir}: manifest names release ${manifest.releaseId}`);
  for (const d of manifest.datasets) {
    if (d.files.length !== 3) throw new Error(`${id}/${d.id}: ${d.files.length} files`);
    for (const f of d.files) {
      const abs = path.join(dir, f.path);
      const size = (await stat(abs)).size;
      if (size !== f.bytes) throw new Error(`${id}/${f.path}: ${size} bytes, manifest says ${f.bytes}`);
      if ((await sha256(abs)) !== f.sha256) throw new Error(`${id}/${f.path}: SHA-256 differs from the manifest`);
    }
    for (const c of d.charts) ChartArtifact.parse(JSON.parse(await readFile(path.join(dir, c.path), 'utf8')));
  }
  for (const f of ['data.json', 'privacy-report.json', 'rules.json']) JSON.parse(await readFile(path.join(dir, f), 'utf8'));
  return manifest;
}

/** The release `DATA/current` points at (after checking the link's shape), or null. */
export async function currentTarget(dataDir: string): Promise<string | null> {
  const link = path.join(dataDir, 'current');
  if (!existsSync(link)) return null;
  const target = await readlink(link);
  const m = /^releases\/(\d{8}T\d{6}Z(?:-\d+)?)$/.exec(target);
  if (!m) throw new Error(`current points at ${target}`);
  return m[1];
}

/** Work files a killed run may leave: temp release dirs, temp symlinks, the lock. */
export async function leftovers(dataDir: string): Promise<string[]> {
  const top = (await readdir(dataDir).catch(() => [] as string[])).filter((n) => n.startsWith('.current-') || n === 'run.lock');
  const rel = (await readdir(path.join(dataDir, 'releases')).catch(() => [] as string[])).filter((n) => n.startsWith('.tmp-'));
  return [...top, ...rel.map((n) => `releases/${n}`)];
}

export async function retained(dataDir: string): Promise<string[]> {
  return (await readdir(path.join(dataDir, 'releases')).catch(() => [] as string[])).filter((n) => /^\d{8}T\d{6}Z(-\d+)?$/.test(n)).sort();
}

/** Lines of a response body that look like a stack trace or reveal repository paths. */
export function leaks(body: string): string[] {
  const out: string[] = [];
  for (const line of body.split('\n')) {
    if (/^\s*at\s+\S+.*[(:]\d+/.test(line) || /\bat (async )?[\w.<>]+ \(/.test(line)) out.push(line);
    if (line.includes(REPO) || /node_modules|\/work\/|\.ts:\d+/.test(line)) out.push(line);
  }
  return out;
}
