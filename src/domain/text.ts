/**
 * Character rules for text that comes from a request (OWASP ASVS 5.0 V1.2/V2.2 input validation).
 *
 * PostgreSQL `text` cannot store U+0000, and its `jsonb` refuses the `\u0000` escape; an unpaired
 * UTF-16 surrogate cannot be encoded as UTF-8 (the driver would silently store U+FFFD instead, so
 * what was stored is not what was sent). Both must be refused at the edge with a 400, never reach
 * SQL (where they become a 500).
 */

/** An unpaired UTF-16 surrogate (a lone high or lone low surrogate). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `s` contains a lone surrogate (not valid Unicode; not encodable as UTF-8). */
export function hasLoneSurrogate(s: string): boolean {
  return LONE_SURROGATE.test(s);
}

/**
 * True when `s` can be stored in PostgreSQL `text`/`jsonb` exactly as given: no U+0000 and no
 * unpaired surrogate. Other characters (controls included) are a per-field decision.
 */
export function isStorableText(s: string): boolean {
  return !s.includes('\u0000') && !hasLoneSurrogate(s);
}

/** The message for text refused by {@link isStorableText}. */
export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL characters or unpaired surrogates';

/**
 * Bidirectional formatting controls (embeddings, overrides, isolates, marks: U+061C, U+200E,
 * U+200F, U+202A-U+202E, U+2066-U+2069). In a display name they can make text read differently
 * from how it is stored ("Trojan Source", CVE-2021-42574).
 */
export const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

/**
 * True when a single-line display value is acceptable: storable ({@link isStorableText}), no
 * control characters (C0, DEL, C1) and no bidirectional formatting controls.
 */
export function isSingleLineText(s: string): boolean {
  return isStorableText(s) && !/\p{Cc}/u.test(s) && !BIDI_CONTROLS.test(s);
}

/** The message for text refused by {@link isSingleLineText}. */
export const SINGLE_LINE_TEXT_MESSAGE = 'must not contain control characters, bidirectional formatting characters or unpaired surrogates';
