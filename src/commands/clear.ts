import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'clipanion';
import { loadProfiles, type ProfileSet } from '../aws/profiles.js';
import { formatRemaining, say } from '../output.js';
import { debugOption, enableDebug } from '../report/options.js';
import { cachedSessions, type SessionView } from '../report/sessions.js';
import { SessionCache } from '../session/cache.js';
import { AwsmfaCommand } from './base.js';

/** A temporary file older than this is left over from a crash, not a write in progress. */
const STALE_TEMPORARY_MS = 60_000;

async function removeFile(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

export class ClearCommand extends AwsmfaCommand {
  static override paths = [['clear']];

  static override usage = Command.Usage({
    description: 'forget cached sessions (all of them, or those of one profile)',
    details: `
      Removes sessions from the cache (\`$XDG_CACHE_HOME/awsmfa\`), so that the next \`awsmfa env\` asks for a new MFA code. With \`--all\`, also the records of MFA codes already used (kept for 90 s so that a code is not sent twice) and files left over from an interrupted write.

      Only the cache is touched, never ~/.aws/config or ~/.aws/credentials. Keys already exported in a shell stay valid at AWS until they expire; \`awsmfa unset\` removes them from a shell.
    `,
    examples: [
      ['Forget every cached session', 'awsmfa clear'],
      ['Forget the sessions of one profile', 'awsmfa clear doug'],
      ['Forget everything awsmfa has cached', 'awsmfa clear --all'],
    ],
  });

  profileName = Option.String({ required: false, name: 'profile' });
  all = Option.Boolean('--all,-a', false, { description: 'Also forget the records of used MFA codes and leftover temporary files' });
  debugOption = debugOption();

  async run(): Promise<number> {
    enableDebug(this.context.env, this.debugOption);
    const env = this.context.env;
    const stderr = this.context.stderr;
    const now = Date.now();
    const cache = SessionCache.forEnvironment(env);
    // Reading the entries first also refuses a cache directory that others could have written to.
    const entries = await cachedSessions(cache, env, now);
    const name = this.profileName;
    const profiles = await loadProfiles(env).catch(() => undefined);

    const removed: SessionView[] = [];
    for (const entry of entries) {
      if (name !== undefined && entry.view.profile !== name) continue;
      if (await removeFile(entry.path)) removed.push(entry.view);
    }
    let unreadable = 0;
    if (name === undefined) unreadable = await this.removeMatching(cache.dir, (file) => file.startsWith('session-') && file.endsWith('.json'));

    let codeRecords = 0;
    let leftovers = 0;
    if (this.all) {
      if (name === undefined) {
        codeRecords = await this.removeMatching(cache.dir, (file) => file.startsWith('codes-') && file.endsWith('.json'));
        leftovers = await this.removeMatching(cache.dir, (file) => file.startsWith('.tmp-'), now - STALE_TEMPORARY_MS);
      } else {
        const serials = new Set(entries.filter((entry) => entry.view.profile === name).map((entry) => entry.session.mfaSerial));
        serials.add(this.serialOf(profiles, name));
        for (const serial of serials) if (serial !== undefined && (await removeFile(cache.fileFor(serial, 'codes')))) codeRecords += 1;
      }
    }

    if (name !== undefined && removed.length === 0 && profiles !== undefined && !profiles.has(name)) throw profiles.unknownProfile(name);

    for (const view of removed) {
      const state = view.expired ? 'expired' : `${formatRemaining(view.secondsLeft)} left`;
      say(`removed the ${view.kind === 'role' ? 'role' : 'MFA'} session of [${view.profile}] (${state})`, stderr);
    }
    if (unreadable > 0) say(`removed ${unreadable} cache file${unreadable === 1 ? '' : 's'} that could not be read as a session`, stderr);
    if (codeRecords > 0) say(`removed ${codeRecords} record${codeRecords === 1 ? '' : 's'} of used MFA codes`, stderr);
    if (leftovers > 0) say(`removed ${leftovers} temporary file${leftovers === 1 ? '' : 's'} left by an interrupted write`, stderr);
    if (removed.length + unreadable + codeRecords + leftovers === 0) {
      say(name === undefined ? `nothing to remove: the cache (${cache.dir}) holds no sessions` : `nothing to remove: no cached session of [${name}]`, stderr);
    }
    const inShell = removed.find((view) => view.inThisShell && !view.expired);
    if (inShell !== undefined) {
      say(`this shell still has the keys of [${inShell.profile}]; they work until they expire (\`awsmfa unset\` removes them)`, stderr);
    }
    return 0;
  }

  private serialOf(profiles: ProfileSet | undefined, name: string): string | undefined {
    try {
      return profiles?.resolve(name).mfaSerial;
    } catch {
      return undefined;
    }
  }

  /** Removes the cache's files whose names match (and, if given, last changed before `olderThanMs`). */
  private async removeMatching(dir: string, matches: (file: string) => boolean, olderThanMs?: number): Promise<number> {
    let files: string[];
    try {
      files = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
    let count = 0;
    for (const file of files.filter(matches)) {
      const path = join(dir, file);
      if (olderThanMs !== undefined) {
        const info = await stat(path).catch(() => undefined);
        if (info === undefined || info.mtimeMs > olderThanMs) continue;
      }
      if (await removeFile(path)) count += 1;
    }
    return count;
  }
}
