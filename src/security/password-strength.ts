/**
 * Password strength estimate with zxcvbn-ts (`@zxcvbn-ts/core`, common and English dictionaries):
 * a score from 0 (too guessable) to 4 (very unguessable) and a short hint. The dictionaries take
 * about a quarter of a second to load, so they are loaded on first use, not at start-up.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';

/** The estimate: `score` 0-4, and a hint for a weak password (empty for a strong one). */
export interface StrengthEstimate {
  score: number;
  hint: string;
}

let factory: ZxcvbnFactory | undefined;

/**
 * Estimates the strength of `password`; `userInputs` (user name, names, email, domain) count as
 * guessable words. Only the first 256 characters are scored (zxcvbn's cost grows with the length,
 * and a longer password is not weak for its tail).
 */
export function estimateStrength(password: string, userInputs: readonly string[] = []): StrengthEstimate {
  factory ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
  });
  const r = factory.check(password.slice(0, 256), userInputs.filter((s) => s.length > 0));
  const hint = [r.feedback.warning, ...r.feedback.suggestions].filter((s): s is string => typeof s === 'string' && s.length > 0).join(' ');
  return { score: r.score, hint };
}
