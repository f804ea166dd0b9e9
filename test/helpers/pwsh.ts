/**
 * Runs PowerShell scripts with the real PowerShell engine on machines without pwsh: a small .NET
 * host (test/pwsh-host) loads System.Management.Automation and answers one JSON request per
 * process. The host is built once per test run and reused while it is newer than its sources.
 *
 * Everything here is asynchronous on purpose: other tests run an HTTP server in the same process,
 * and a synchronous child process would stall it.
 */
import { spawn } from 'node:child_process';
import { mkdir, open, readFile, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The reason every PowerShell test gives when it skips. */
export const PWSH_UNAVAILABLE = 'dotnet not installed: PowerShell engine unavailable';

export const PWSH_HOST_DIR = fileURLToPath(new URL('../pwsh-host/', import.meta.url));
export const PWSH_HOST_DLL = path.join(PWSH_HOST_DIR, 'bin', 'pwsh-host.dll');
const PROJECT = path.join(PWSH_HOST_DIR, 'pwsh-host.csproj');
const SOURCES = [PROJECT, path.join(PWSH_HOST_DIR, 'Program.cs')];
const LOCK = path.join(PWSH_HOST_DIR, 'bin', '.build.lock');

const BUILD_TIMEOUT_MS = 10 * 60_000;
/** A lock older than this is taken to be left behind by a build that died. */
const STALE_LOCK_MS = BUILD_TIMEOUT_MS + 60_000;

/** What the host answers for one script (see test/pwsh-host/Program.cs for the full contract). */
export interface PwshResult {
  /** The success stream, each object converted to a string as PowerShell converts it ($null → ''). */
  output: string[];
  /** Messages of the error records, then of the terminating error that ended the script, if any. */
  errors: string[];
  /** The same errors with their error id and script position. */
  errorDetails: string[];
  /** errors.length > 0. */
  hadErrors: boolean;
  /** Lines native commands wrote to stderr (a terminal would show them; they are not errors). */
  nativeStderr: string[];
  warnings: string[];
  /** What Write-Host and the rest of the information stream would have shown. */
  host: string;
  /** What the script wrote through [Console]::Write / [Console]::Out. */
  console: string;
  /** The whole process environment after the script. */
  env: Record<string, string>;
  /** The global $LASTEXITCODE, or null when nothing set it. */
  lastExitCode: number | null;
  /** The status of an `exit` at the script's top level (an interactive pwsh would have closed). */
  exitCode: number | null;
  /** The cmdlets that the host supplies itself because their real module is not available here. */
  standIns: string[];
}

export interface PwshOptions {
  /** Set (string) or removed (null) in the engine's process before it starts; sent on stdin. */
  env?: Record<string, string | null | undefined>;
  /** The environment the host process starts from (default: this process's). Keep PATH in it. */
  baseEnv?: NodeJS.ProcessEnv;
  /** false: run the bare engine, without the host's stand-ins for Invoke-Expression, Out-String, … */
  standIns?: boolean;
  /** The engine's working directory (default: this process's). */
  cwd?: string;
  /** Kill the host after this long (default 120 s). */
  timeoutMs?: number;
}

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
  timedOut: boolean;
  spawnError?: Error;
}

function quietDotnetEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...base,
    DOTNET_CLI_TELEMETRY_OPTOUT: '1',
    DOTNET_NOLOGO: '1',
    DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1',
    POWERSHELL_TELEMETRY_OPTOUT: '1',
    MSBUILDDISABLENODEREUSE: '1',
  };
}

function execute(
  command: string,
  args: readonly string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number },
): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    let spawnError: Error | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // A host that exits before reading all of stdin must not crash the test process with EPIPE.
    child.stdin.on('error', () => {});
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout),
        stderr: Buffer.concat(stderr),
        timedOut,
        ...(spawnError ? { spawnError } : {}),
      });
    });
    child.stdin.end(options.input ?? '', 'utf8');
  });
}

let dotnetCheck: Promise<boolean> | undefined;

/** Whether the `dotnet` command is on PATH and runs. */
export function dotnetAvailable(): Promise<boolean> {
  dotnetCheck ??= execute('dotnet', ['--version'], { env: quietDotnetEnv(), timeoutMs: 60_000 }).then(
    (done) => done.spawnError === undefined && done.code === 0,
  );
  return dotnetCheck;
}

async function mtimeMs(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return undefined;
  }
}

async function hostIsFresh(): Promise<boolean> {
  const built = await mtimeMs(PWSH_HOST_DLL);
  if (built === undefined) return false;
  for (const source of SOURCES) {
    const changed = await mtimeMs(source);
    if (changed === undefined || changed >= built) return false;
  }
  return true;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function lockIsStale(): Promise<boolean> {
  let text: string;
  let age: number;
  try {
    text = await readFile(LOCK, 'utf8');
    age = Date.now() - (await stat(LOCK)).mtimeMs;
  } catch {
    return false; // gone already: the next attempt will take it
  }
  if (age > STALE_LOCK_MS) return true;
  const pid = Number.parseInt(text, 10);
  // An empty file is a lock whose owner has not written its pid yet, unless it has been for long.
  if (!Number.isInteger(pid) || pid <= 0) return age > 30_000;
  return !processIsAlive(pid);
}

/** Takes the build lock (test files run in parallel processes); resolves to its release. */
async function takeBuildLock(): Promise<() => Promise<void>> {
  await mkdir(path.dirname(LOCK), { recursive: true });
  const deadline = Date.now() + STALE_LOCK_MS;
  for (;;) {
    try {
      const handle = await open(LOCK, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(LOCK, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await lockIsStale()) {
      await rm(LOCK, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the pwsh-host build lock ${LOCK}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function compileHost(): Promise<string | undefined> {
  if (!(await dotnetAvailable())) return undefined;
  if (await hostIsFresh()) return PWSH_HOST_DLL;
  const release = await takeBuildLock();
  try {
    // Another test process may have built it while this one waited for the lock.
    if (await hostIsFresh()) return PWSH_HOST_DLL;
    // The first build restores System.Management.Automation from NuGet; later ones find it in the
    // local package cache and need no network. Build servers are off so that no long-lived
    // process holds the pipes (or the machine) after the build.
    const done = await execute(
      'dotnet',
      ['build', PROJECT, '-c', 'Release', '--nologo', '--disable-build-servers', '-v', 'quiet'],
      { env: quietDotnetEnv(), cwd: PWSH_HOST_DIR, timeoutMs: BUILD_TIMEOUT_MS },
    );
    if (done.spawnError !== undefined || done.code !== 0 || done.timedOut) {
      const log = (done.stdout.toString('utf8') + done.stderr.toString('utf8')).trim();
      const why = done.timedOut ? 'timed out' : done.spawnError ? done.spawnError.message : `exited with ${done.code}`;
      throw new Error(`building ${PROJECT} failed (${why}):\n${log.slice(-8000)}`);
    }
    // MSBuild leaves an unchanged dll untouched; mark it as built now so the next run skips the build.
    const now = new Date();
    await utimes(PWSH_HOST_DLL, now, now);
    return PWSH_HOST_DLL;
  } finally {
    await release();
  }
}

let hostBuild: Promise<string | undefined> | undefined;

/**
 * Builds the host (`dotnet build -c Release` into test/pwsh-host/bin) unless the built dll is newer
 * than Program.cs and the csproj; once per process, under a lock shared by all test processes.
 * Resolves to the dll's path, or undefined when dotnet is not installed; rejects, with the build
 * log, when dotnet is there but the build fails.
 */
export function buildPwshHost(): Promise<string | undefined> {
  hostBuild ??= compileHost();
  return hostBuild;
}

/** Whether PowerShell scripts can run here: dotnet is installed and the host builds. */
export async function pwshAvailable(): Promise<boolean> {
  try {
    return (await buildPwshHost()) !== undefined;
  } catch {
    return false;
  }
}

/**
 * Runs one script in a fresh engine, or several in order in the same runspace (so a function one
 * defines can be called by the next). Rejects when the engine is unavailable or the host fails;
 * errors of the script itself are reported in the result, never thrown.
 */
export function runPwsh(script: string, options?: PwshOptions): Promise<PwshResult>;
export function runPwsh(scripts: readonly string[], options?: PwshOptions): Promise<PwshResult[]>;
export async function runPwsh(
  scripts: string | readonly string[],
  options: PwshOptions = {},
): Promise<PwshResult | PwshResult[]> {
  const dll = await buildPwshHost();
  if (dll === undefined) throw new Error(PWSH_UNAVAILABLE);

  const env: Record<string, string | null> = {};
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value !== undefined) env[name] = value;
  }
  const request = {
    ...(typeof scripts === 'string' ? { script: scripts } : { scripts: [...scripts] }),
    env,
    ...(options.standIns === undefined ? {} : { standIns: options.standIns }),
  };
  const done = await execute('dotnet', [dll], {
    input: JSON.stringify(request),
    env: quietDotnetEnv(options.baseEnv),
    cwd: options.cwd,
    timeoutMs: options.timeoutMs ?? 120_000,
  });
  const stdout = done.stdout.toString('utf8');
  const stderr = done.stderr.toString('utf8');
  if (done.spawnError !== undefined) throw new Error(`could not start pwsh-host: ${done.spawnError.message}`);
  if (done.timedOut) throw new Error(`pwsh-host timed out after ${options.timeoutMs ?? 120_000} ms\n${stderr}`);
  let answer: unknown;
  try {
    answer = JSON.parse(stdout);
  } catch {
    throw new Error(`pwsh-host exited with ${done.code ?? done.signal} and no JSON answer:\n${stdout}\n${stderr}`);
  }
  if (done.code !== 0) {
    const fatal = (answer as { fatal?: unknown } | null)?.fatal;
    throw new Error(`pwsh-host refused the request (${done.code}): ${String(fatal ?? stdout)}\n${stderr}`);
  }
  return answer as PwshResult | PwshResult[];
}
