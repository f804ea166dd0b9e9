/**
 * Runs PowerShell scripts in the real pwsh (7.6.9 in CI: `dotnet tool install --global PowerShell`),
 * found on PATH or where that install puts it, ~/.dotnet/tools/pwsh. One pwsh process runs a whole
 * batch of scripts in order, in its global scope, as lines typed at its prompt would run: pwsh takes
 * about a second to start, so tests put many cases into one batch. The driver that runs them and
 * reports what each did is test/helpers/pwsh-driver.ps1.
 *
 * Everything here is asynchronous on purpose: other tests run an HTTP server in the same process,
 * and a synchronous child process would stall it.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The reason every PowerShell test gives when it skips. */
export const PWSH_UNAVAILABLE = 'pwsh not installed (dotnet tool install --global PowerShell --version 7.6.9)';

const DRIVER = fileURLToPath(new URL('./pwsh-driver.ps1', import.meta.url));

/** What pwsh did with one script. */
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
  /** What the terminal would have shown: Write-Host, warnings, [Console]::Write. */
  host: string;
  /** The whole process environment after the script. */
  env: Record<string, string>;
  /** The global $LASTEXITCODE, or null when nothing set it (`exit N` sets it, and pwsh goes on). */
  lastExitCode: number | null;
}

export interface PwshOptions {
  /** Set (string) or removed (null) in pwsh's environment. */
  env?: Record<string, string | null | undefined>;
  /** The environment pwsh starts from (default: this process's). Keep PATH in it. */
  baseEnv?: NodeJS.ProcessEnv;
  /** pwsh's working directory (default: this process's). */
  cwd?: string;
  /** Kill pwsh after this long (default 120 s). */
  timeoutMs?: number;
}

async function executable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function locate(): Promise<string | undefined> {
  const names = process.platform === 'win32' ? ['pwsh.exe'] : ['pwsh'];
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), path.join(homedir(), '.dotnet', 'tools')];
  for (const dir of dirs) for (const name of names) if (await executable(path.join(dir, name))) return path.join(dir, name);
  return undefined;
}

let found: Promise<string | undefined> | undefined;

/** The pwsh program: on PATH, else ~/.dotnet/tools/pwsh; undefined when neither is there. */
export function pwshPath(): Promise<string | undefined> {
  found ??= locate();
  return found;
}

/** Whether PowerShell scripts can run here. */
export async function pwshAvailable(): Promise<boolean> {
  return (await pwshPath()) !== undefined;
}

/** pwsh without its telemetry, update check and banner, which would reach the terminal and the network. */
export const PWSH_QUIET: Readonly<Record<string, string>> = {
  DOTNET_CLI_TELEMETRY_OPTOUT: '1',
  DOTNET_NOLOGO: '1',
  POWERSHELL_TELEMETRY_OPTOUT: '1',
  POWERSHELL_UPDATECHECK: 'Off',
};

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  timedOut: boolean;
}

function execute(command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string | undefined, timeoutMs: number): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output: Buffer.concat(output).toString('utf8'), timedOut });
    });
  });
}

/**
 * Runs one script in a fresh pwsh, or several in order in the same one (so a function one defines
 * can be called by the next). Rejects when pwsh is not there or did not report; errors of the
 * scripts themselves are reported in the result, never thrown.
 */
export function runPwsh(script: string, options?: PwshOptions): Promise<PwshResult>;
export function runPwsh(scripts: readonly string[], options?: PwshOptions): Promise<PwshResult[]>;
export async function runPwsh(scripts: string | readonly string[], options: PwshOptions = {}): Promise<PwshResult | PwshResult[]> {
  const pwsh = await pwshPath();
  if (pwsh === undefined) throw new Error(PWSH_UNAVAILABLE);
  const list = typeof scripts === 'string' ? [scripts] : [...scripts];
  // Scripts go through files, never the command line: they may hold secrets.
  const dir = await mkdtemp(path.join(tmpdir(), 'awsmfa-pwsh-'));
  try {
    for (const [i, text] of list.entries()) await writeFile(path.join(dir, `script-${i}.ps1`), text, { mode: 0o600 });
    const env: NodeJS.ProcessEnv = { ...(options.baseEnv ?? process.env), ...PWSH_QUIET };
    for (const [name, value] of Object.entries(options.env ?? {})) {
      if (value === null) delete env[name];
      else if (value !== undefined) env[name] = value;
    }
    env.AWSMFA_TEST_PWSH_DIR = dir;
    const timeoutMs = options.timeoutMs ?? 120_000;
    const driver = await readFile(DRIVER, 'utf8');
    const done = await execute(pwsh, ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', driver], env, options.cwd, timeoutMs);
    if (done.timedOut) throw new Error(`pwsh timed out after ${timeoutMs} ms\n${done.output}`);
    const results: PwshResult[] = [];
    for (let i = 0; i < list.length; i++) {
      try {
        results.push(JSON.parse(await readFile(path.join(dir, `answer-${i}.json`), 'utf8')) as PwshResult);
      } catch {
        throw new Error(`pwsh did not report on script ${i} (it exited with ${done.code ?? done.signal})\n${done.output}`);
      }
    }
    return typeof scripts === 'string' ? results[0]! : results;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
