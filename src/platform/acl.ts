/**
 * Who besides the user can open a file on Windows, read from icacls's listing of its ACL. For
 * `awsmfa doctor`, which may take the time to start a program; the listing looks like
 *
 *     C:\Users\doug\AppData\Local\awsmfa DESKTOP\doug:(OI)(CI)(F)
 *                                        NT AUTHORITY\SYSTEM:(OI)(CI)(F)
 *
 *     Successfully processed 1 files; Failed processing 0 files
 */
import { accountName, icacls } from './win32.js';

/** Principals that always have access to a user's profile on Windows; they can read anything anyway. */
const TRUSTED = ['nt authority\\system', 'builtin\\administrators', 'system', 'administrators', 'creator owner'];

/** The principals an icacls listing of `target` names, in order; empty when it names none. */
export function principalsOf(listing: string, target: string): string[] {
  const found: string[] = [];
  for (const raw of listing.split(/\r?\n/)) {
    let line = raw.trim();
    if (line.toLowerCase().startsWith(target.toLowerCase())) line = line.slice(target.length).trim();
    // DOMAIN\name:(flags)… or DOMAIN\name:F; a name may hold spaces, never ":(" .
    const match = /^(.+?):(\([A-Z,]+\))+$|^(.+?):[A-Z]+$/.exec(line);
    const principal = match?.[1] ?? match?.[3];
    if (principal !== undefined && !/^successfully processed/i.test(line)) found.push(principal);
  }
  return found;
}

/** Principals other than the user and the system's own that the ACL lets in. */
export function othersIn(principals: readonly string[], account: string): string[] {
  const me = account.toLowerCase();
  const bare = me.split('\\').pop()!;
  return principals.filter((principal) => {
    const name = principal.toLowerCase();
    return name !== me && name.split('\\').pop() !== bare && !TRUSTED.includes(name);
  });
}

/**
 * Who else has access to `target`: a list (empty when the user alone has it), or undefined when the
 * ACL could not be read (icacls missing, or one that lists nothing, as Wine's does).
 */
export async function othersWithAccess(target: string, env: NodeJS.ProcessEnv = process.env): Promise<string[] | undefined> {
  let listing: string;
  try {
    listing = await icacls([target]);
  } catch {
    return undefined;
  }
  const principals = principalsOf(listing, target);
  return principals.length === 0 ? undefined : othersIn(principals, accountName(env));
}
