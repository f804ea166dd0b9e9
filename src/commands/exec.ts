import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { constants } from 'node:os';
import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { loadProfiles } from '../aws/profiles.js';
import { AwsmfaError } from '../errors.js';
import { describeExpiry, say } from '../output.js';
import { SessionCache } from '../session/cache.js';
import { withSession, type SessionForShell } from '../session/environment.js';
import { obtainSession } from '../session/sessions.js';
import { platform } from '../platform/index.js';
import { AwsmfaCommand } from './base.js';
import { tokenCodeOption, durationOption, forceMfaOption, forceOption } from './options.js';

/** Set in the child's environment to the profile name, so that an exec inside an exec is noticed. */
export const EXEC_VARIABLE = 'AWSMFA_EXEC';

/** The parent's environment with the session applied exactly as `env` would apply it in a shell. */
export function childEnvironment(session: SessionForShell, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const child = withSession(session, env);
  child[EXEC_VARIABLE] = session.profile;
  return child;
}

/**
 * The terminal sends these to its whole foreground process group, which the child is part of: relaying
 * them would deliver each twice (and a second Ctrl-C makes programs like terraform abort at once).
 */
const TERMINAL_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGQUIT'];
/** Sent to awsmfa alone (kill PID, a supervisor, a timeout): the child must get them too. */
const RELAYED_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGUSR2'];
/**
 * Signals that end a process without a core dump. When the child dies of one, awsmfa dies of the same:
 * a calling shell then sees 128+signal in $?, and a script interrupted with Ctrl-C stops as it would
 * have without awsmfa in between (bash goes on with the next command after a child that merely exits 130).
 */
const PASSED_ON_DEATH: ReadonlySet<string> = new Set(['SIGHUP', 'SIGINT', 'SIGKILL', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGUSR2']);

function hasControllingTerminal(): boolean {
  try {
    closeSync(openSync(platform.terminalInput, 'r'));
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `program` with stdin, stdout and stderr passed through, relays signals, and returns the exit
 * status to pass on (after dying of the child's signal where that is possible).
 */
export async function runChild(program: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  // Loaded here rather than at every start of the CLI.
  const { spawn } = await import('node:child_process');
  const interactive = hasControllingTerminal();
  const relayed = interactive ? RELAYED_SIGNALS : [...RELAYED_SIGNALS, ...TERMINAL_SIGNALS];
  const handlers = new Map<NodeJS.Signals, () => void>();
  let child: ChildProcess | undefined;
  for (const signal of relayed) handlers.set(signal, () => void child?.kill(signal));
  // Still caught, so that awsmfa outlives the child and reports how it ended.
  if (interactive) for (const signal of TERMINAL_SIGNALS) handlers.set(signal, () => undefined);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  let ended: { code: number | null; signal: NodeJS.Signals | null };
  try {
    child = spawn(program, args, { env, stdio: 'inherit' });
    ended = await new Promise((resolve, reject) => {
      child!.once('error', reject);
      child!.once('exit', (code, signal) => resolve({ code, signal }));
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AwsmfaError(`cannot run ${program}: command not found`, { hint: 'Check its name, and PATH.', exitCode: 127 });
    if (code === 'EACCES') throw new AwsmfaError(`cannot run ${program}: permission denied`, { hint: `Check that ${program} is an executable file.`, exitCode: 126 });
    throw new AwsmfaError(`cannot run ${program}: ${(error as Error).message}`, { exitCode: 126 });
  } finally {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
  }
  if (ended.signal === null) return ended.code ?? 1;
  const number = constants.signals[ended.signal] ?? 0;
  if (PASSED_ON_DEATH.has(ended.signal)) process.kill(process.pid, ended.signal);
  // Still alive: Node ignores SIGPIPE, and other signals would dump a core of awsmfa.
  return 128 + number;
}

export class ExecCommand extends AwsmfaCommand {
  static override paths = [['exec']];

  static override usage = Command.Usage({
    description: 'run a command (or a shell) with an MFA session in its environment only',
    details: `
      Gets the session for the profile as \`awsmfa env\` does (from the cache, or with an MFA code) and runs the command with the session's variables set and \`AWS_PROFILE\` removed, exactly as \`env\` would in a shell. The current shell is left as it is. Without a command, starts \`$SHELL\` (or /bin/sh; on Windows PowerShell); \`exit\` leaves it.

      Put \`--\` before the command, so that its own options are not taken for awsmfa's. Input, output, signals and the exit status pass through. Keys reach the command through its environment only, never its arguments. Running \`exec\` inside a shell started by \`exec\` is refused unless \`--force\` is given.
    `,
    examples: [
      ['Run one command', 'awsmfa exec doug -- aws s3 ls'],
      ['Assume a role for one command', 'awsmfa exec admin -- terraform plan'],
      ['Start a shell with the session', 'awsmfa exec doug'],
    ],
  });

  profileName = Option.String({ name: 'profile' });
  tokenCode = tokenCodeOption();
  duration = durationOption();
  force = forceOption('Get a new session even if a cached one is valid, and run even inside another awsmfa exec');
  forceMfa = forceMfaOption();
  command = Option.Rest({ name: 'command' });

  async run(): Promise<number> {
    const env = this.context.env;
    const outer = env[EXEC_VARIABLE];
    if (outer !== undefined && outer !== '' && !this.force) {
      throw new AwsmfaError(`already running inside \`awsmfa exec ${outer}\``, {
        hint: 'Leave it first (exit), or pass --force to run inside it with a new session.',
      });
    }
    const { profile, session } = await obtainSession(
      { profile: this.profileName, tokenCode: this.tokenCode, durationSeconds: this.duration, force: this.force, forceMfa: this.forceMfa },
      { profiles: await loadProfiles(env), cache: SessionCache.forEnvironment(env), env, stderr: this.context.stderr },
    );
    const childEnv = childEnvironment({ ...session, profile: profile.name, region: profile.region }, env);
    const [program, ...args] = this.command.length > 0 ? this.command : [platform.interactiveShell(env)];
    if (this.command.length === 0) {
      say(`${profile.name}: starting ${program} with the session ${describeExpiry(session.expiration)}; exit leaves it`, this.context.stderr);
    }
    return runChild(program!, args, childEnv);
  }
}
