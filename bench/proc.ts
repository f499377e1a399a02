// Child processes for the benchmark: runs a command under `/usr/bin/time -v` (when present) for its
// peak RSS, stamps every stderr line with the seconds since start (for phase timings), and samples
// a long-running process's VmHWM from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';

export interface StampedLine {
  /** Seconds since the process started. */
  t: number;
  line: string;
}

export interface ProcResult {
  code: number;
  seconds: number;
  stdout: string;
  lines: StampedLine[];
  /** Peak resident set size in bytes (from /usr/bin/time -v), or null when unknown. */
  peakRssBytes: number | null;
  /** User + system CPU seconds (from /usr/bin/time -v): robust to other load on the machine. */
  cpuSeconds: number | null;
}

const TIME = '/usr/bin/time';
const RSS_LINE = /Maximum resident set size \(kbytes\): (\d+)/;
const CPU_LINE = /(User|System) time \(seconds\): ([\d.]+)/;

/** Runs `cmd args` to completion; stderr lines are echoed (indented) and kept with timestamps. */
export async function runTimed(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; echo?: boolean }): Promise<ProcResult> {
  const timed = existsSync(TIME);
  const child = spawn(timed ? TIME : cmd, timed ? ['-v', cmd, ...args] : args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const t0 = performance.now();
  const lines: StampedLine[] = [];
  let stdout = '';
  let peakRssBytes: number | null = null;
  let cpuSeconds: number | null = null;
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const rl = createInterface({ input: child.stderr! });
  rl.on('line', (raw) => {
    const rss = RSS_LINE.exec(raw);
    if (rss) peakRssBytes = Number(rss[1]) * 1024;
    const cpu = CPU_LINE.exec(raw);
    if (cpu) cpuSeconds = (cpuSeconds ?? 0) + Number(cpu[2]);
    // /usr/bin/time's own report is indented with a tab; keep it out of the log.
    if (timed && (raw.startsWith('\t') || raw.startsWith('Command exited') || raw.startsWith('Command terminated'))) return;
    const line = raw.replace(/^.*\r\x1b\[2K/, '');
    lines.push({ t: (performance.now() - t0) / 1000, line });
    if (opts.echo !== false) process.stderr.write(`    ${line}\n`);
  });
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  return { code, seconds: (performance.now() - t0) / 1000, stdout, lines, peakRssBytes, cpuSeconds };
}

/** Peak RSS (VmHWM) of a live process in bytes, or null when /proc is not available. */
export async function vmHwm(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) a live process has used so far, or null without /proc. */
export async function processCpuSeconds(pid: number): Promise<number | null> {
  try {
    // Fields 14 and 15 (utime, stime) in clock ticks, counted after the ")" that ends the name.
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(')').pop()!.trim().split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Starts a long-running child (its stderr echoed, indented) and waits until a line matches `ready`. */
export async function startChild(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; ready: RegExp; timeoutMs: number }): Promise<ChildProcess> {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const rl = createInterface({ input: child.stderr! });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} ${args.join(' ')}: not ready after ${opts.timeoutMs} ms`)), opts.timeoutMs);
    child.once('exit', (c) => reject(new Error(`${cmd} ${args.join(' ')} exited with ${c} before it was ready`)));
    rl.on('line', (line) => {
      process.stderr.write(`    ${line}\n`);
      if (opts.ready.test(line)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return child;
}

/** Stops a child started by startChild (SIGTERM, then SIGKILL after 5 s). */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
