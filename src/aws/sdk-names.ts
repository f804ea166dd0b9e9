/**
 * Profile names that the AWS SDK for JavaScript cannot hold. Its loader keeps profiles as properties
 * of a plain object: a section named `__proto__` makes it give up on the whole file (every profile
 * disappears for every tool built on it, awsmfa's SDK calls included), and a name like `constructor`
 * or `toString` lands on Object itself instead of a profile. awsmfa never writes such a section, and
 * `doctor` points at one that is already there.
 */

/** Whether a section for this profile would break, or be lost to, the JS SDK's loader. */
export function unsafeForJsSdk(profile: string): boolean {
  return profile === '__proto__' || Object.hasOwn(Object.prototype, profile);
}

/**
 * The sections of an ini file's text that make the JS SDK's loader refuse the whole file, with their
 * line numbers. The loader compares the text between the brackets of a line, after cutting comments
 * and trimming the line, with `__proto__` and `profile __proto__` exactly; so is this.
 */
export function sectionsBreakingJsSdk(text: string): { line: number; section: string }[] {
  const found: { line: number; section: string }[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = (raw.split(/(^|\s)[;#]/)[0] ?? '').trim();
    if (!line.startsWith('[') || !line.endsWith(']')) continue;
    const section = line.slice(1, -1);
    if (section === '__proto__' || section === 'profile __proto__') found.push({ line: index + 1, section });
  }
  return found;
}
