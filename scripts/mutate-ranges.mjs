// Line ranges of named parts of a source file, for StrykerJS's `mutate` (file:start-end), found with the
// TypeScript parser: the modules list names the functions to mutate, so that the ranges follow the code
// as it moves instead of going stale with every edit above them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/**
 * `file:start-end` for each named declaration in `file` (relative to `root`): a function, a const, or a
 * method or property of an object literal (`failure() {…}`, `isFunctionName: (name) => …`). Every
 * occurrence of a name is taken; a name found nowhere is an error, so a rename cannot silently shrink
 * what is mutated.
 */
export function rangesOf(root, file, names) {
  const text = readFileSync(join(root, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const line = (position) => source.getLineAndCharacterOfPosition(position).line + 1;
  const found = new Map(names.map((name) => [name, []]));
  const visit = (node) => {
    const named =
      ts.isFunctionDeclaration(node) || ts.isVariableDeclaration(node) || ts.isMethodDeclaration(node) || ts.isPropertyAssignment(node) ? node.name : undefined;
    const name = named !== undefined && ts.isIdentifier(named) ? named.text : undefined;
    if (name !== undefined && found.has(name)) {
      // A const's range starts at its statement, so that comments above stay out but `const` is in.
      const start = ts.isVariableDeclaration(node) ? node.parent.parent : node;
      found.get(name).push(`${file}:${line(start.getStart(source))}-${line(node.getEnd())}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const missing = names.filter((name) => found.get(name).length === 0);
  if (missing.length > 0) throw new Error(`mutate: ${file} has no ${missing.join(', ')}: update scripts/mutate-modules.mjs`);
  return [...found.values()].flat();
}
