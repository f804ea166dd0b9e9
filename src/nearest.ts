/** "Did you mean …?": the known words closest to one that was mistyped. */
import { distance } from 'fastest-levenshtein';

/**
 * Up to `limit` candidates close to `word`, nearest first: a prefix either way counts as nearest,
 * otherwise the edit distance, within a third of the candidate's length (at least 2).
 */
export function nearest(word: string, candidates: Iterable<string>, limit = 3): string[] {
  const lower = word.toLowerCase();
  return [...new Set(candidates)]
    .map((candidate) => {
      const other = candidate.toLowerCase();
      const prefix = lower !== '' && (other.startsWith(lower) || lower.startsWith(other));
      return { candidate, score: prefix ? 0 : distance(lower, other) };
    })
    .filter(({ candidate, score }) => score <= Math.max(2, Math.floor(candidate.length / 3)))
    .sort((a, b) => a.score - b.score || a.candidate.localeCompare(b.candidate))
    .slice(0, limit)
    .map(({ candidate }) => candidate);
}
