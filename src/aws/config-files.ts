/**
 * The AWS config and credentials files, read the way the AWS CLI reads them. The CLI (botocore) reads
 * them with Python's configparser (RawConfigParser: `=` and `:`, whole-line `#`/`;` comments only,
 * lower-cased keys, indented continuation lines, strict about duplicates, a `[DEFAULT]` section whose
 * keys every section inherits) and then maps section names to profiles with shlex. This module is that
 * reading, written for awsmfa; the differential tests against botocore (test/config-files.test.ts) are
 * what says it is right. The byte-preserving writer (ini-file.ts) classifies lines with the same scanner,
 * so what it changes is what the CLI then reads.
 */
import { split as shellWords } from 'shlex';

/** What Python's str.strip() and the `\s` of its regular expressions treat as whitespace (JS's \s differs). */
const SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const EDGES = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, 'g');
const TRAILING = new RegExp(`[${SPACE}]+$`);
const NON_SPACE = new RegExp(`[^${SPACE}]`);
/** Python's str.splitlines() boundaries, used by botocore on a sub-section's lines. */
const PY_LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

export function pyStrip(text: string): string {
  return text.replace(EDGES, '');
}

/** The section whose keys configparser gives to every other section. */
export const DEFAULT_SECTION = 'DEFAULT';

/** Why the AWS CLI refuses a file ("Unable to parse config file"), at which line. */
export interface IniProblem {
  /** 1-based line number. */
  readonly line: number;
  readonly why: string;
}

export type LineKind = 'blank' | 'comment' | 'header' | 'option' | 'continuation' | 'invalid';

export interface ScannedLine {
  readonly kind: LineKind;
  /** For a header: the section name, exactly as configparser takes it (between `[` and the last `]`). */
  readonly header?: string;
  /** For an option: the key, lower-cased as configparser does. */
  readonly key?: string;
  /** For an option: the value on its own line; for a continuation: the line's text. */
  readonly value?: string;
  /** For option and continuation lines: the section (header) they are in. */
  readonly section?: string;
}

export interface ScannedIni {
  readonly lines: ScannedLine[];
  /** The first reason the CLI refuses the text, if it does. */
  readonly problem: IniProblem | undefined;
}

/** Lines as Python's text files give them: `\n`, `\r\n` and a lone `\r` all end a line. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
  return lines;
}

/**
 * Classifies each line as configparser does, with its strict mode's refusals: a line before any section,
 * a duplicate section or key, a line that is neither. Python stops at the first of the first three and
 * reports lines that are neither only after the whole file; the problem reported here is the one Python
 * reports. The scan itself goes on to the end (a repeated section or key read as if it were not), so
 * that the writer can place lines in any file.
 */
export function scanIni(lines: readonly string[]): ScannedIni {
  const scanned: ScannedLine[] = [];
  const seen = new Set<string>();
  let section: string | undefined;
  let option: string | undefined;
  let indent = 0;
  let invalid: IniProblem | undefined;
  let fatal: IniProblem | undefined;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const number = index + 1;
    const value = pyStrip(line);
    if (value.startsWith('#') || value.startsWith(';')) {
      scanned.push({ kind: 'comment' });
      continue;
    }
    if (value === '') {
      scanned.push({ kind: 'blank' });
      continue;
    }
    const lineIndent = NON_SPACE.exec(line)?.index ?? 0;
    if (section !== undefined && option && lineIndent > indent) {
      scanned.push({ kind: 'continuation', section, key: option, value });
      continue;
    }
    indent = lineIndent;
    const close = value.lastIndexOf(']');
    if (value.startsWith('[') && close >= 2) {
      const header = value.slice(1, close);
      if (header !== DEFAULT_SECTION) {
        if (seen.has(`[${header}`)) {
          fatal ??= { line: number, why: `section [${header}] appears twice (the AWS CLI refuses a repeated section)` };
        }
        seen.add(`[${header}`);
      }
      section = header;
      option = undefined;
      scanned.push({ kind: 'header', header });
      continue;
    }
    if (section === undefined) {
      const why = value.startsWith('\ufeff')
        ? 'the file starts with a UTF-8 byte order mark (BOM), which the AWS CLI does not accept; save it as UTF-8 without BOM'
        : `${JSON.stringify(line)} comes before any [section] header`;
      fatal ??= { line: number, why };
      scanned.push({ kind: 'invalid' });
      continue;
    }
    const delimiter = value.search(/[=:]/);
    if (delimiter < 0) {
      invalid ??= { line: number, why: `${JSON.stringify(line)} is not a section header, a "key = value" line or a comment` };
      option = undefined;
      scanned.push({ kind: 'invalid', section });
      continue;
    }
    const key = value.slice(0, delimiter).replace(TRAILING, '').toLowerCase();
    if (key === '') {
      invalid ??= { line: number, why: `${JSON.stringify(line)} has no key before its ${value[delimiter]}` };
    }
    if (seen.has(`${section}\n${key}`)) {
      fatal ??= { line: number, why: `key ${key} appears twice in [${section}] (the AWS CLI refuses a repeated key)` };
    }
    seen.add(`${section}\n${key}`);
    option = key;
    scanned.push({ kind: 'option', section, key, value: pyStrip(value.slice(delimiter + 1)) });
  }
  return { lines: scanned, problem: fatal ?? invalid };
}

/** A key's value: a string, or the keys of an indented sub-section (`s3 =` then `  addressing_style = path`). */
export type IniValue = string | Readonly<Record<string, string>>;
export type IniSection = Readonly<Record<string, IniValue>>;

export interface ParsedIni {
  /** Sections by name, in the order they first appear, each with `[DEFAULT]`'s keys it inherits. */
  readonly sections: ReadonlyMap<string, IniSection>;
  /** The line each section's header is on, and each key's line, for messages. */
  readonly lineOf: (section: string, key?: string) => number | undefined;
  readonly problem: IniProblem | undefined;
  readonly lines: readonly ScannedLine[];
}

function record<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** botocore's reading of an indented block: `key = value` lines, every one of them. */
function nested(value: string): Record<string, string> | string {
  const keys = record<string>();
  for (const part of value.split(PY_LINE_BREAK)) {
    const line = pyStrip(part);
    if (line === '') continue;
    const equals = line.indexOf('=');
    if (equals < 0) return line;
    keys[pyStrip(line.slice(0, equals))] = pyStrip(line.slice(equals + 1));
  }
  return keys;
}

/** Parses decoded text as botocore's raw_config_parse does: sections, keys, joined values, sub-sections. */
export function parseIni(text: string): ParsedIni {
  const lines = splitLines(text);
  const { lines: scanned, problem } = scanIni(lines);
  const raw = new Map<string, Map<string, string[]>>();
  const lineNumbers = new Map<string, number>();
  let values: string[] | undefined;
  let current: Map<string, string[]> | undefined;
  scanned.forEach((line, index) => {
    switch (line.kind) {
      case 'header': {
        current = raw.get(line.header!) ?? new Map();
        raw.set(line.header!, current);
        if (!lineNumbers.has(line.header!)) lineNumbers.set(line.header!, index + 1);
        values = undefined;
        break;
      }
      case 'option':
        values = [line.value!];
        current!.set(line.key!, values);
        lineNumbers.set(`${line.section}\n${line.key}`, index + 1);
        break;
      case 'continuation':
        values!.push(line.value!);
        break;
      case 'blank':
        // configparser keeps blank lines inside a value (then trims the value's end).
        values?.push('');
        break;
      case 'invalid':
        values = undefined;
        break;
      case 'comment':
        break;
    }
  });
  const lineOf = (section: string, key?: string) => lineNumbers.get(key === undefined ? section : `${section}\n${key}`);
  if (problem !== undefined) return { sections: new Map(), lineOf, problem, lines: scanned };

  const joined = (section: string, keys: Map<string, string[]>): [string, IniValue, string][] => [...keys].map(([key, parts]) => [key, parts.join('\n').replace(TRAILING, ''), section]);
  const defaults = joined(DEFAULT_SECTION, raw.get(DEFAULT_SECTION) ?? new Map());
  const sections = new Map<string, IniSection>();
  let nestedProblem: IniProblem | undefined;
  for (const [name, keys] of raw) {
    if (name === DEFAULT_SECTION) continue;
    const section = record<IniValue>();
    const own = joined(name, keys);
    const ownKeys = new Set(own.map(([key]) => key));
    for (const [key, value, from] of [...own, ...defaults.filter(([key]) => !ownKeys.has(key))]) {
      if (typeof value === 'string' && value.startsWith('\n')) {
        const parsed = nested(value);
        if (typeof parsed === 'string') {
          nestedProblem ??= { line: lineOf(from, key) ?? 0, why: `the indented line ${JSON.stringify(parsed)} under ${key} has no "="` };
          continue;
        }
        section[key] = parsed;
      } else {
        section[key] = value;
      }
    }
    sections.set(name, section);
  }
  if (nestedProblem !== undefined) return { sections: new Map(), lineOf, problem: nestedProblem, lines: scanned };
  return { sections, lineOf, problem: undefined, lines: scanned };
}

/**
 * What a config file's section header makes of it, by botocore's rules: `[default]` and any header that
 * starts with "profile" and splits (as a shell would) into exactly two words are profiles; likewise
 * `sso-session` and `services` sections; anything else is not a profile.
 */
export type SectionRole =
  | { readonly kind: 'profile'; readonly name: string }
  | { readonly kind: 'sso-session'; readonly name: string }
  | { readonly kind: 'services'; readonly name: string }
  | { readonly kind: 'other' };

function twoWords(header: string): string | undefined {
  try {
    const words = shellWords(header);
    return words.length === 2 ? words[1] : undefined;
  } catch {
    return undefined;
  }
}

export function configSectionRole(header: string): SectionRole {
  for (const kind of ['profile', 'sso-session', 'services'] as const) {
    if (header.startsWith(kind)) {
      const name = twoWords(header);
      return name === undefined ? { kind: 'other' } : { kind, name };
    }
  }
  return header === 'default' ? { kind: 'profile', name: 'default' } : { kind: 'other' };
}

/** Where a profile's keys come from: the file and the section header holding them. */
export interface ProfileSource {
  readonly section: string;
  readonly keys: IniSection;
}

/** A config file's profiles (a later section naming the same profile replaces an earlier one, as in botocore). */
export function configProfiles(parsed: ParsedIni): { profiles: Map<string, ProfileSource>; ssoSessions: Map<string, IniSection>; services: Map<string, IniSection> } {
  const profiles = new Map<string, ProfileSource>();
  const ssoSessions = new Map<string, IniSection>();
  const services = new Map<string, IniSection>();
  for (const [section, keys] of parsed.sections) {
    const role = configSectionRole(section);
    if (role.kind === 'profile') profiles.set(role.name, { section, keys });
    else if (role.kind === 'sso-session') ssoSessions.set(role.name, keys);
    else if (role.kind === 'services') services.set(role.name, keys);
  }
  return { profiles, ssoSessions, services };
}

/** A credentials file's profiles: every section, by its name as written (`[profile x]` is the profile "profile x"). */
export function credentialsProfiles(parsed: ParsedIni): Map<string, ProfileSource> {
  return new Map([...parsed.sections].map(([section, keys]) => [section, { section, keys }]));
}

/** Decodes a file's bytes as Python does for botocore: strict UTF-8, a BOM kept as a character. */
export function decodeIni(bytes: Uint8Array): { text: string } | { problem: IniProblem } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    // The line of the first byte that is not UTF-8, for the message (no character spans a newline byte).
    const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    let line = 1;
    for (let start = 0; start < bytes.length; line++) {
      const end = bytes.indexOf(0x0a, start);
      try {
        strict.decode(bytes.subarray(start, end < 0 ? bytes.length : end));
      } catch {
        break;
      }
      if (end < 0) break;
      start = end + 1;
    }
    return { problem: { line, why: 'it is not valid UTF-8 text' } };
  }
}
