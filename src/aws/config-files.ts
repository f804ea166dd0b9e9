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

/** Python's str.splitlines() boundaries, used by botocore on a sub-section's lines. */
const PY_LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

/** Python's str.isspace() for one UTF-16 code unit (every such character is in the BMP). */
function isPySpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d) || (code >= 0x1c && code <= 0x1f);
  if (code < 0x85) return false;
  return code === 0x85 || code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000;
}

/** Python's str.strip(): a loop rather than a regular expression, as it runs on every line of large files. */
export function pyStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isPySpace(text.charCodeAt(start))) start++;
  while (end > start && isPySpace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** The index of the first character that is not Python whitespace, or -1. */
function firstNonSpace(text: string): number {
  for (let index = 0; index < text.length; index++) if (!isPySpace(text.charCodeAt(index))) return index;
  return -1;
}

/** The index of the first `=` or `:` (configparser's delimiters), or -1: a loop, as it runs on every line. */
function firstDelimiter(text: string): number {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 0x3d || code === 0x3a) return index;
  }
  return -1;
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

/** Where each line splitLines gives starts in the text, as an offset in UTF-16 code units. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  const breaks = /\r\n|\r|\n/g;
  for (let match = breaks.exec(text); match !== null; match = breaks.exec(text)) starts.push(match.index + match[0].length);
  return starts;
}

/** Receives each line's class from visitIni, without an object per line (files may have 15,000 lines). */
export interface IniVisitor {
  header(index: number, header: string): void;
  option(index: number, section: string, key: string, value: string): void;
  continuation(index: number, section: string, key: string, value: string): void;
  blank(index: number): void;
  comment(index: number): void;
  invalid(index: number): void;
}

/**
 * Classifies each line as configparser does, with its strict mode's refusals: a line before any section,
 * a duplicate section or key, a line that is neither. Python stops at the first of the first three and
 * reports lines that are neither only after the whole file; the problem returned is the one Python
 * reports. The visit itself goes on to the end (a repeated section or key read as if it were not), so
 * that the writer can place lines in any file.
 */
export function visitIni(lines: readonly string[], visit: IniVisitor): IniProblem | undefined {
  const sections = new Map<string, Set<string>>();
  let section: string | undefined;
  let keys: Set<string> | undefined;
  let option: string | undefined;
  let indent = 0;
  let invalid: IniProblem | undefined;
  let fatal: IniProblem | undefined;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const value = pyStrip(line);
    const first = value.charCodeAt(0);
    if (first === 0x23 || first === 0x3b) {
      visit.comment(index);
      continue;
    }
    if (value === '') {
      visit.blank(index);
      continue;
    }
    const lineIndent = Math.max(0, firstNonSpace(line));
    if (section !== undefined && option && lineIndent > indent) {
      visit.continuation(index, section, option, value);
      continue;
    }
    indent = lineIndent;
    const close = first === 0x5b ? value.lastIndexOf(']') : -1;
    if (close >= 2) {
      const header = value.slice(1, close);
      keys = sections.get(header);
      if (keys === undefined) {
        keys = new Set();
        sections.set(header, keys);
      } else if (header !== DEFAULT_SECTION) {
        fatal ??= { line: index + 1, why: `section [${header}] appears twice (the AWS CLI refuses a repeated section)` };
      }
      section = header;
      option = undefined;
      visit.header(index, header);
      continue;
    }
    if (section === undefined) {
      const why = first === 0xfeff
        ? 'the file starts with a UTF-8 byte order mark (BOM), which the AWS CLI does not accept; save it as UTF-8 without BOM'
        : `${JSON.stringify(line)} comes before any [section] header`;
      fatal ??= { line: index + 1, why };
      visit.invalid(index);
      continue;
    }
    const delimiter = firstDelimiter(value);
    if (delimiter < 0) {
      invalid ??= { line: index + 1, why: `${JSON.stringify(line)} is not a section header, a "key = value" line or a comment` };
      option = undefined;
      visit.invalid(index);
      continue;
    }
    // value is stripped at both ends already: only the spaces around the delimiter are left to skip.
    let keyEnd = delimiter;
    while (keyEnd > 0 && isPySpace(value.charCodeAt(keyEnd - 1))) keyEnd--;
    let valueStart = delimiter + 1;
    while (valueStart < value.length && isPySpace(value.charCodeAt(valueStart))) valueStart++;
    const key = value.slice(0, keyEnd).toLowerCase();
    if (key === '') invalid ??= { line: index + 1, why: `${JSON.stringify(line)} has no key before its ${value[delimiter]}` };
    if (keys!.has(key)) fatal ??= { line: index + 1, why: `key ${key} appears twice in [${section}] (the AWS CLI refuses a repeated key)` };
    keys!.add(key);
    option = key;
    visit.option(index, section, key, value.slice(valueStart));
  }
  return fatal ?? invalid;
}

/** Each line's class as an object: for the writer and doctor, which look at lines one by one. */
export function scanIni(lines: readonly string[]): ScannedIni {
  const scanned: ScannedLine[] = [];
  const problem = visitIni(lines, {
    header: (_, header) => scanned.push({ kind: 'header', header }),
    option: (_, section, key, value) => scanned.push({ kind: 'option', section, key, value }),
    continuation: (_, section, key, value) => scanned.push({ kind: 'continuation', section, key, value }),
    blank: () => scanned.push({ kind: 'blank' }),
    comment: () => scanned.push({ kind: 'comment' }),
    invalid: () => scanned.push({ kind: 'invalid' }),
  });
  return { lines: scanned, problem };
}

/** A key's value: a string, or the keys of an indented sub-section (`s3 =` then `  addressing_style = path`). */
export type IniValue = string | Readonly<Record<string, string>>;
export type IniSection = Readonly<Record<string, IniValue>>;

export interface ParsedIni {
  /** Sections by name, in the order they first appear, each with `[DEFAULT]`'s keys it inherits. */
  readonly sections: ReadonlyMap<string, IniSection>;
  readonly problem: IniProblem | undefined;
  /** Each line's class, worked out when asked for (doctor does; commands do not). */
  readonly lines: () => readonly ScannedLine[];
  /** The text of the sections `keep` keeps, their lines as they are (for the SDK's own reading). */
  readonly excerpt: (keep: (header: string) => boolean) => string;
  /** Each section header in the order written, with its 0-based line (`[DEFAULT]` included). */
  readonly headers: readonly { readonly name: string; readonly line: number }[];
}

function record<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** botocore's reading of an indented block: `key = value` lines, every one of them; a line without `=` is returned. */
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

/**
 * Parses decoded text as botocore's raw_config_parse does: sections, keys, values joined across their
 * continuation lines (blank lines between kept, as configparser keeps them), sub-sections, [DEFAULT].
 */
export function parseIni(text: string): ParsedIni {
  const lines = splitLines(text);
  const raw = new Map<string, Record<string, string>>();
  const optionLines = new Map<string, number>();
  let current: Record<string, string> | undefined;
  let option: string | undefined;
  let blanks = 0;
  /** Sections with a value continued on indented lines: only those can hold a sub-section. */
  const continued = new Set<string>();
  const headerLines: number[] = [];
  const headers: { name: string; line: number }[] = [];
  const problem = visitIni(lines, {
    header(index, header) {
      headerLines.push(index);
      headers.push({ name: header, line: index });
      current = raw.get(header);
      if (current === undefined) raw.set(header, (current = record<string>()));
      option = undefined;
    },
    option(index, section, key, value) {
      current![key] = value;
      option = key;
      blanks = 0;
      if (value === '') optionLines.set(`${section}\n${key}`, index + 1);
    },
    continuation(_, section, key, value) {
      current![key] += '\n'.repeat(blanks + 1) + value;
      blanks = 0;
      continued.add(section);
    },
    blank() {
      if (option !== undefined) blanks++;
    },
    comment() {},
    invalid() {
      option = undefined;
    },
  });
  const scanned = () => scanIni(lines).lines;
  const excerpt = (keep: (header: string) => boolean) => {
    const kept: string[] = [];
    headerLines.forEach((start, n) => {
      const line = pyStrip(lines[start]!);
      if (keep(line.slice(1, line.lastIndexOf(']')))) kept.push(...lines.slice(start, headerLines[n + 1] ?? lines.length));
    });
    return kept.length === 0 ? '' : `${kept.join('\n')}\n`;
  };
  if (problem !== undefined) return { sections: new Map(), problem, lines: scanned, excerpt, headers };

  const defaults = raw.get(DEFAULT_SECTION);
  const sections = new Map<string, IniSection>();
  let nestedProblem: IniProblem | undefined;
  for (const [name, own] of raw) {
    if (name === DEFAULT_SECTION) continue;
    const keys = defaults === undefined ? own : Object.assign(record<string>(), defaults, own);
    if (!continued.has(name) && !continued.has(DEFAULT_SECTION)) {
      sections.set(name, keys);
      continue;
    }
    let section: Record<string, IniValue> | undefined;
    for (const key in keys) {
      const value = keys[key]!;
      if (value.charCodeAt(0) !== 0x0a) continue;
      const parsed = nested(value);
      if (typeof parsed === 'string') {
        const from = key in own ? name : DEFAULT_SECTION;
        nestedProblem ??= { line: optionLines.get(`${from}\n${key}`) ?? 0, why: `the indented line ${JSON.stringify(parsed)} under ${key} has no "="` };
        continue;
      }
      section ??= Object.assign(record<IniValue>(), keys);
      section[key] = parsed;
    }
    sections.set(name, section ?? keys);
  }
  if (nestedProblem !== undefined) return { sections: new Map(), problem: nestedProblem, lines: scanned, excerpt, headers };
  return { sections, problem: undefined, lines: scanned, excerpt, headers };
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

/** `profile name` spelled plainly, the usual case, which shlex would split into these two words. */
const PLAIN_TWO_WORDS = /^[^ \t\r\n'"\\]+[ \t\r\n]+([^ \t\r\n'"\\]+)[ \t\r\n]*$/;

function twoWords(header: string): string | undefined {
  const plain = PLAIN_TWO_WORDS.exec(header);
  if (plain !== null) return plain[1];
  try {
    const words = shellWords(header);
    return words.length === 2 ? words[1] : undefined;
  } catch {
    return undefined;
  }
}

const SECTION_KINDS = ['profile', 'sso-session', 'services'] as const;

export function configSectionRole(header: string): SectionRole {
  for (const kind of SECTION_KINDS) {
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
