/**
 * A cached `awsmfa env` (or the integration's `awsmfa use --shell …`) without the command-line parser:
 * the launcher (src/launcher.ts) runs this bundle first for those command lines, and the full CLI only
 * when it declines. It takes only the command lines it fully understands, and only sessions it can
 * answer from the cache; everything else — another option, no cached session, an expired one, any error
 * — is declined before anything is written, and the full CLI then runs the command as it always does,
 * errors and their messages included. What it does is what `env` does, through the same functions:
 * the same profile reader, the same plan and its checks, the same cache and its checks, the same code
 * and message, written through the same held output. Only the time differs.
 *
 * Not loaded here: clipanion and the command modules, the STS client, the MFA prompt, locking, chalk,
 * node:crypto, node:fs/promises, and the process's stdout/stderr streams (see descriptor-output.ts) —
 * what the full CLI's start spends its time on.
 */
import { runAfterSuccess } from './aws/config-index.js';
import { handOverProfileReads, loadProfiles } from './aws/profiles.js';
import { sessionProfileName, writeSession } from './commands/env-session.js';
import { descriptorWriter } from './commands/descriptor-output.js';
import { chosenShell, runHeld } from './commands/held-output.js';
import { SessionCache } from './session/cache.js';
import { cachedSession, planSession } from './session/sessions.js';
import { dialectFor } from './shell/index.js';

/** The values `--shell` takes, as its validator in src/commands/options.ts takes them. */
const SHELLS: ReadonlySet<string> = new Set(['bash', 'zsh', 'fish', 'pwsh', 'powershell']);

interface FastRequest {
  readonly command: 'env' | 'use';
  readonly profile: string | undefined;
  readonly shell: string | undefined;
}

/**
 * `env [PROFILE] [--shell SHELL]` and `use --shell SHELL [PROFILE]`, in any order: anything more
 * (another option, a second word, `--`, help, a value --shell does not take) is the full CLI's.
 */
export function fastRequest(argv: readonly string[]): FastRequest | undefined {
  const [command, ...words] = argv;
  if (command !== 'env' && command !== 'use') return undefined;
  let profile: string | undefined;
  let shell: string | undefined;
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    let value: string | undefined;
    if (word === '--shell') value = words[++index];
    else if (word.startsWith('--shell=')) value = word.slice('--shell='.length);
    else if (word.startsWith('-') || profile !== undefined) return undefined;
    else {
      profile = word;
      continue;
    }
    if (shell !== undefined || value === undefined || !SHELLS.has(value)) return undefined;
    shell = value;
  }
  // `use` is the integration's only when it names the shell; without, the full CLI says how to load it.
  if (command === 'use' && shell === undefined) return undefined;
  return { command, profile, shell };
}

/**
 * Runs the command line if it is a cached `env`: true when it did, with all of its work done (the
 * launcher then ends the process), false when the full CLI should.
 */
export async function fastEnv(argv: readonly string[]): Promise<boolean> {
  const request = fastRequest(argv);
  if (request === undefined) return false;
  let outputs;
  try {
    outputs = { stdout: descriptorWriter(1), stderr: descriptorWriter(2) };
  } catch {
    // stdout or stderr is not open: the full CLI, with the process's own streams, says what that means.
    return false;
  }
  const done = await runHeld([...argv], true, async (_words, context) => {
    // Keys printed on a terminal: the full CLI refuses that, and says how to apply them.
    if ((context.out as NodeJS.WriteStream).isTTY === true) return undefined;
    try {
      const env = context.env;
      // Read once per run: if this path declines, the full CLI takes what was read here.
      handOverProfileReads(true);
      let profiles;
      try {
        profiles = await loadProfiles(env);
      } finally {
        handOverProfileReads(false);
      }
      const name = sessionProfileName(request.profile, env, profiles, `awsmfa ${request.command}`);
      const dialect = dialectFor(chosenShell(request.shell, env));
      const plan = planSession(
        { profile: name, tokenCode: undefined, durationSeconds: undefined, force: false, forceMfa: false },
        { profiles, cache: SessionCache.forEnvironment(env), env, stderr: context.stderr },
      );
      const obtained = await cachedSession(plan);
      if (obtained === undefined) return undefined;
      // The code is made (and refused, for a value no shell can hold) before anything reaches stderr.
      writeSession(context, dialect, obtained);
      return 0;
    } catch {
      // Whatever went wrong, the full CLI will meet it again and report it as it always does.
      return undefined;
    }
  }, outputs);
  // The launcher ends the process as soon as this is done (process.exit, which skips what a natural exit
  // would wait for): the work kept for a success (a config index to write) is done first.
  if (done && Number(process.exitCode ?? 0) === 0) await runAfterSuccess();
  return done;
}
