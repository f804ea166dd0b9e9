import { platform } from '../platform/index.js';
import { bash } from './bash.js';
import type { Dialect, ShellName } from './dialect.js';
import { fish } from './fish.js';
import { pwsh } from './pwsh.js';
import { zsh } from './zsh.js';

export type { Dialect, EnvChange, ShellName } from './dialect.js';
export { InvalidShellValueError } from './dialect.js';

export const SHELL_NAMES: readonly ShellName[] = ['bash', 'zsh', 'fish', 'pwsh'];

const DIALECTS: Readonly<Record<ShellName, Dialect>> = { bash, zsh, fish, pwsh };

export function dialectFor(name: ShellName): Dialect {
  return DIALECTS[name];
}

/** A shell as a user names it (`--shell`, `init <shell>`); `powershell` is PowerShell too. */
export function parseShellName(s: string): ShellName | undefined {
  const name = s.toLowerCase();
  if (name === 'powershell') return 'pwsh';
  return (SHELL_NAMES as readonly string[]).includes(name) ? (name as ShellName) : undefined;
}

/**
 * `/usr/bin/zsh`, `-bash` (a login shell's argv[0]), `pwsh.exe`, `pwsh-preview` → the shell they
 * name, if any.
 */
function shellFromProgram(program: string | undefined): ShellName | undefined {
  if (!program) return undefined;
  const base = program.trim().split(/[\\/]/).pop() ?? '';
  return parseShellName(base.replace(/^-/, '').replace(/\.exe$/i, '').replace(/^pwsh-preview$/i, 'pwsh'));
}

/**
 * Whether PSModulePath holds a module folder that PowerShell adds for itself when it starts: pwsh's
 * own (`…/powershell/…`), or a PowerShell folder in the user's home. Windows' system-wide default
 * (`…\WindowsPowerShell\…` under Program Files and System32) is in every process there, Git Bash's
 * included, so on its own it says nothing.
 */
function inPowerShellSession(env: NodeJS.ProcessEnv): boolean {
  const modulePath = env.PSModulePath;
  if (!modulePath) return false;
  const normalize = (path: string) => path.replaceAll('\\', '/').replace(/\/+$/, '').toLowerCase();
  const homes = [env.USERPROFILE, env.HOME].filter((home): home is string => !!home).map(normalize);
  return modulePath
    .split(modulePath.includes(';') ? ';' : ':')
    .map(normalize)
    .some(
      (entry) =>
        /(^|\/)powershell\//.test(entry) ||
        (entry.includes('powershell') && homes.some((home) => entry.startsWith(`${home}/`))),
    );
}

/** The name of the process that started this one; only where that costs one small file read. */
export function parentProcessName(): string | undefined {
  return platform.parentProcessName();
}

/**
 * The shell whose code to print when the user did not say. The parent process comes first: it is the
 * shell that will eval the output, even when that shell was started from another one (bash inside
 * pwsh inherits PSModulePath; pwsh inherits the login $SHELL). Then PowerShell's own environment,
 * for systems without /proc; then $SHELL, the login shell; then the system's own: PowerShell on
 * Windows, bash elsewhere.
 */
export function detectShell(
  env: NodeJS.ProcessEnv = process.env,
  parentCommand: () => string | undefined = parentProcessName,
  fallback: ShellName = platform.defaultShell,
): ShellName {
  return (
    shellFromProgram(parentCommand()) ??
    (inPowerShellSession(env) ? 'pwsh' : undefined) ??
    shellFromProgram(env.SHELL) ??
    fallback
  );
}
