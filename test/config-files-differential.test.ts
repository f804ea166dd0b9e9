/**
 * Differential property test: random config and credentials files (names that need quoting, key case,
 * `=` and `:`, comments inline and whole-line, indented continuations and sub-sections, duplicates, a
 * BOM, CRLF and lone CR, [DEFAULT], bytes that are not UTF-8, source_profile chains and loops) read by
 * awsmfa and by the real botocore; the two readings must be equal (profile set, each profile's keys,
 * what each resolves to: keys, roles, each role's mfa_serial), or both must refuse the files.
 *
 * Each pair is read twice: parsed whole (which writes an index of each file, whatever its size or
 * age), then through those indexes (src/aws/config-index.ts); both readings must equal botocore's.
 *
 * The seed is fixed so that CI is repeatable; AWSMFA_FUZZ_SEED and AWSMFA_FUZZ_RUNS try others and more
 * (e.g. AWSMFA_FUZZ_RUNS=20000 AWSMFA_FUZZ_SEED=$RANDOM); a failure prints the seed, the path and the files.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { Botocore, botocoreMissing } from './helpers/botocore.js';
import { assertSameReading, awsmfaView } from './helpers/config-view.js';

const SEED = Number(process.env.AWSMFA_FUZZ_SEED ?? 20_261_201);
const RUNS = Number(process.env.AWSMFA_FUZZ_RUNS ?? 0);
const runs = (ci: number) => (RUNS > 0 ? RUNS : ci);

/** Every file indexed, however small or recent (no file changes between the two readings of a pair). */
const INDEX_EVERY_FILE = { index: { minBytes: 0, settledNs: -(10n ** 18n), writeAtOnce: true } };

const missing = botocoreMissing();
let botocore: Botocore | undefined;
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'awsmfa-differential-'));
  if (missing === undefined) botocore = new Botocore();
});
after(async () => {
  botocore?.close();
  await rm(dir, { recursive: true, force: true });
});

const COMMON = ['doug', 'ops', 'default'];
const TRICKY = ['Doug', 'my name', 'ünï', 'a=b', 'x:y', "it's", 'say "hi"', '#hash', 'profile', 'DEFAULT', 'a\\b', ' pad', '__proto__', 'constructor'];
const name = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...COMMON) }, { weight: 2, arbitrary: fc.constantFrom(...TRICKY) });

/** A profile name as a config header may spell it: quoted or not, one or more spaces, or not as a profile at all. */
const configHeader = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.constantFrom(' ', ' ', ' ', '  ', '\t'), fc.constantFrom('', '', '"', "'"), name).map(([space, quote, n]) => `profile${space}${quote}${n}${quote}`) },
  { weight: 2, arbitrary: fc.constant('default') },
  { weight: 1, arbitrary: name },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('profilex ', 'Profile ', 'sso-session ', 'services ', ' profile ', 'profile'), name).map(([prefix, n]) => prefix + n) },
  { weight: 1, arbitrary: fc.constant('DEFAULT') },
);
const credentialsHeader = fc.oneof({ weight: 8, arbitrary: name }, { weight: 1, arbitrary: name.map((n) => `profile ${n}`) }, { weight: 1, arbitrary: fc.constant('DEFAULT') });

const keyId = fc.constantFrom('AKIADOUGDOUG0EXAMPLE', 'AKIAOPSOPSOP0EXAMPLE', 'AKIAOTHEROTH0EXAMPLE');
const plainValue = fc.constantFrom('eu-west-1', 'us-east-1', 'x', 'a = b', 'c: d', 'v # not a comment', 'v ; nor this', '"quoted"', 'ünï', '', 'a\u00a0');
const keyAndValue: fc.Arbitrary<[string, string]> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constant('aws_access_key_id'), keyId) },
  { weight: 3, arbitrary: fc.tuple(fc.constant('aws_secret_access_key'), fc.constantFrom('secretEXAMPLE', 'otherSecretEXAMPLE')) },
  { weight: 2, arbitrary: fc.tuple(fc.constant('region'), plainValue) },
  { weight: 2, arbitrary: fc.tuple(fc.constant('mfa_serial'), fc.constantFrom('arn:aws:iam::123456789012:mfa/doug', 'arn:aws:iam::123456789012:mfa/ops', 'GAHT12345678')) },
  { weight: 3, arbitrary: fc.tuple(fc.constant('role_arn'), fc.constantFrom('arn:aws:iam::123456789012:role/admin', 'arn:aws:iam::123456789012:role/audit')) },
  { weight: 3, arbitrary: fc.tuple(fc.constant('source_profile'), name) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('endpoint_url', 'external_id', 'role_session_name', 'output'), plainValue) },
);
/** The key's case as people type it. */
const spelled = (key: string, style: number) => (style === 1 ? key.toUpperCase() : style === 2 ? key.replace(/(^|_)(\w)/g, (m) => m.toUpperCase()) : key);

/** One entry of a section: a key line (perhaps continued on indented lines), a sub-section, a comment or a blank. */
const entry: fc.Arbitrary<{ key: string; lines: string[] }> = fc.oneof(
  {
    weight: 20,
    arbitrary: fc
      .tuple(
        keyAndValue,
        fc.nat(5),
        fc.constantFrom(' = ', '=', ' =', ': ', ':', ' : ', '\t=\t'),
        fc.constantFrom('', '', '', '', '', '', '', '', '', '', '', ' ', '\t'),
        fc.constantFrom('', '', '', ' ', '\t'),
        fc.constantFrom([], [], [], [], [], [], [], [], ['  continued'], ['\tmore = text', ''], ['', '    deeper: still']),
      )
      .map(([[key, value], style, separator, indent, trailing, more]) => ({ key, lines: [`${indent}${spelled(key, style)}${separator}${value}${trailing}`, ...more] })),
  },
  { weight: 1, arbitrary: fc.constantFrom('s3', 'sts').map((key) => ({ key, lines: [`${key} =`, '  endpoint_url = http://127.0.0.1:1', '  Addressing_Style = path'] })) },
  { weight: 3, arbitrary: fc.constantFrom('# a comment', '; a comment', '  # indented comment', '', '   ', '\t').map((text) => ({ key: `#${text}`, lines: [text] })) },
);

const section = (header: fc.Arbitrary<string>) =>
  fc.record({
    header,
    indent: fc.constantFrom('', '', '', '', '', '', '', '', '', '', '', '', '', '', ' ', '\t'),
    suffix: fc.constantFrom('', '', '', ' # c', ' ; c', '  ', ']'),
    entries: fc.uniqueArray(entry, { maxLength: 6, selector: (e) => e.key }),
  });

/** What makes botocore refuse a file, now and then. */
const flaw = fc.oneof(
  { weight: 30, arbitrary: fc.constant('none') },
  { weight: 1, arbitrary: fc.constantFrom('repeated section', 'repeated key', 'not a key line', 'BOM', 'line before any section', 'not UTF-8', 'sub-section line without =') },
);

const file = (header: fc.Arbitrary<string>) =>
  fc.record({
    present: fc.nat(9).map((n) => n !== 0),
    sections: fc.uniqueArray(section(header), { maxLength: 6, selector: (s) => s.header }),
    eol: fc.constantFrom('\n', '\n', '\r\n', '\r'),
    comment: fc.boolean(),
    finalEol: fc.boolean(),
    flaw,
  });

type FileModel = typeof file extends (h: fc.Arbitrary<string>) => fc.Arbitrary<infer T> ? T : never;

function render(model: FileModel): Buffer | undefined {
  if (!model.present) return undefined;
  const lines = model.sections.flatMap((s) => [`${s.indent}[${s.header}]${s.suffix}`, ...s.entries.flatMap((e) => e.lines)]);
  if (model.comment) lines.unshift('# managed by hand');
  const last = model.sections.at(-1);
  switch (model.flaw) {
    case 'repeated section':
      if (last !== undefined) lines.push(`[${last.header}]`);
      break;
    case 'repeated key':
      if (last !== undefined) lines.push('region = a', 'Region = b');
      break;
    case 'not a key line':
      lines.push('just words');
      break;
    case 'BOM':
      lines.unshift('\ufeff');
      break;
    case 'line before any section':
      lines.unshift('stray = line');
      break;
    case 'sub-section line without =':
      if (last !== undefined) lines.push('s3 =', '  no equals here');
      break;
  }
  const text = lines.join(model.eol) + (model.finalEol ? model.eol : '');
  const bytes = Buffer.from(model.flaw === 'BOM' ? text.replace('\ufeff' + model.eol, '\ufeff') : text, 'utf8');
  return model.flaw === 'not UTF-8' ? Buffer.concat([bytes, Buffer.from([0xc3, 0x28, 0x0a])]) : bytes;
}

test('awsmfa reads random config and credentials files exactly as botocore does', { timeout: 600_000 }, async (t) => {
  if (botocore === undefined) {
    t.skip(missing);
    return;
  }
  const configPath = join(dir, 'config');
  const credentialsPath = join(dir, 'credentials');
  const env = { HOME: dir, AWS_CONFIG_FILE: configPath, AWS_SHARED_CREDENTIALS_FILE: credentialsPath };
  const seen = { pairs: 0, refused: 0, profiles: 0, roles: 0, indexed: 0 };
  await fc.assert(
    fc.asyncProperty(file(configHeader), file(credentialsHeader), async (configModel, credentialsModel) => {
      const config = render(configModel);
      const credentials = render(credentialsModel);
      if (config === undefined) await unlink(configPath).catch(() => undefined);
      else await writeFile(configPath, config);
      if (credentials === undefined) await unlink(credentialsPath).catch(() => undefined);
      else await writeFile(credentialsPath, credentials);
      // No index of the previous pair's files: one of the same size written within the same clock tick would pass for it.
      await rm(join(dir, '.cache'), { recursive: true, force: true });
      const ours = await awsmfaView(env, INDEX_EVERY_FILE);
      const theirs = await botocore!.view(env);
      const context = `config:\n${config?.toString('utf8') ?? '(none)'}\ncredentials:\n${credentials?.toString('utf8') ?? '(none)'}`;
      assertSameReading(ours, theirs, context);
      const warm = await awsmfaView(env, INDEX_EVERY_FILE);
      assertSameReading(warm, theirs, `through the index:\n${context}`);
      if ('set' in warm && warm.set.indexedFiles().length > 0) seen.indexed++;
      if ('set' in ours) assert.deepEqual(ours.set.indexedFiles(), [], 'the first reading parses whole');
      seen.pairs++;
      if ('error' in ours) seen.refused++;
      else {
        seen.profiles += Object.keys(ours.profiles).length;
        seen.roles += Object.values(ours.resolved).filter((r) => (r.roles?.length ?? 0) > 0).length;
      }
    }),
    { seed: SEED, numRuns: runs(3000) },
  );
  t.diagnostic(`${seen.pairs} pairs (seed ${SEED}): ${seen.refused} refused by both, ${seen.profiles} profiles compared, ${seen.roles} role chains resolved alike; ${seen.indexed} pairs read again through their index`);
  // Refused files and files with [DEFAULT] get no index; most others must have been read through one.
  assert.ok(seen.indexed > seen.pairs / 3, `only ${seen.indexed} of ${seen.pairs} pairs were read through an index`);
});
