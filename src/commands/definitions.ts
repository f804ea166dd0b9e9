/**
 * Every command's definition, for the commands that describe the others (completions, init). The
 * running CLI registers only the commands its command line can reach, so these come from a full one.
 */
export async function allDefinitions() {
  // Imported when asked for: src/cli.ts imports the commands that call this.
  const { createCli } = await import('../cli.js');
  return createCli().definitions();
}
