/**
 * awsmfa's reading of ~/.aws/config and credentials in the shape botocore-view.py gives botocore's, so
 * that tests compare the two whole: the profile set, each profile's keys, and what each profile resolves
 * to (the keys at the end of its source_profile chain, the roles on the way and their mfa_serial).
 */
import assert from 'node:assert/strict';
import { loadProfiles, type LoadOptions, type ProfileSet } from '../../src/aws/profiles.js';
import { AwsmfaError } from '../../src/errors.js';
import type { BotocoreResolved, BotocoreView } from './botocore.js';

export type AwsmfaView =
  | { readonly error: string }
  | {
      readonly profiles: Record<string, Record<string, string>>;
      readonly resolved: Record<string, BotocoreResolved>;
      /** Profiles whose resolution differs from the AWS CLI's on purpose (README: where awsmfa differs). */
      readonly deliberate: ReadonlySet<string>;
      readonly set: ProfileSet;
    };

export async function awsmfaView(env: Record<string, string>, options: LoadOptions = {}): Promise<AwsmfaView> {
  let set: ProfileSet;
  try {
    set = await loadProfiles(env, options);
  } catch (error) {
    if (error instanceof AwsmfaError) return { error: error.message };
    throw error;
  }
  // Without a prototype, so that profiles named __proto__ or constructor are kept as plain entries.
  const profiles: Record<string, Record<string, string>> = Object.create(null);
  const resolved: Record<string, BotocoreResolved> = Object.create(null);
  const deliberate = new Set<string>();
  for (const name of set.names()) {
    profiles[name] = set.sectionKeys(name)!;
    try {
      const profile = set.resolve(name);
      resolved[name] = {
        accessKeyId: profile.keys.accessKeyId,
        roles: [...profile.roles].reverse().map((hop) => ({ roleArn: hop.roleArn, mfaSerial: hop.mfaSerial ?? null })),
      };
      // awsmfa follows source_profile from a profile without role_arn or keys (a plain MFA profile
      // whose keys live elsewhere); the AWS CLI ignores source_profile there.
      if (profile.chain.slice(0, -1).some((hop) => set.value(hop, 'role_arn') === undefined)) deliberate.add(name);
    } catch (error) {
      if (!(error instanceof AwsmfaError)) throw error;
      resolved[name] = { error: error.message };
    }
  }
  return { profiles, resolved, deliberate, set };
}

/** Asserts that awsmfa reads the files as botocore does, or that both refuse them. */
export function assertSameReading(ours: AwsmfaView, theirs: BotocoreView, context: string): void {
  if ('error' in theirs || 'error' in ours) {
    assert.equal('error' in ours, 'error' in theirs, `${context}\nawsmfa: ${JSON.stringify('error' in ours ? ours.error : 'reads it')}\nbotocore: ${JSON.stringify('error' in theirs ? theirs.message : 'reads it')}`);
    return;
  }
  assert.deepEqual(Object.keys(ours.profiles).sort(), Object.keys(theirs.profiles).sort(), `${context}\nprofile names differ`);
  for (const name of Object.keys(theirs.profiles)) {
    const entries = (keys: Record<string, string> | undefined) => new Map(Object.entries(keys ?? {}));
    assert.deepEqual(entries(ours.profiles[name]), entries(theirs.profiles[name]), `${context}\nkeys of ${JSON.stringify(name)} differ`);
    const expected: BotocoreResolved | null | undefined = Object.hasOwn(theirs.resolved, name) ? theirs.resolved[name] : undefined;
    const actual: BotocoreResolved = ours.resolved[name]!;
    if (ours.deliberate.has(name)) continue;
    if (expected === null || expected === undefined || expected.error !== undefined) {
      assert.ok(actual.error !== undefined, `${context}\nbotocore cannot resolve ${JSON.stringify(name)} (${expected?.error ?? 'no credentials'}), awsmfa resolves it: ${JSON.stringify(actual)}`);
    } else {
      assert.deepEqual(actual, expected, `${context}\n${JSON.stringify(name)} resolves differently`);
    }
  }
}
