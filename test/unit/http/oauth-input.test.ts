/** OAuth parameter character rules (src/http/middleware/oauth-input.ts parameterProblem; RFC 6749 Appendix A). */
import { describe, expect, it } from 'vitest';
import { parameterProblem } from '../../../src/http/middleware/oauth-input.ts';

describe('parameterProblem', () => {
  it('accepts ordinary parameters, TAB and any printable Unicode', () => {
    expect(parameterProblem({ grant_type: 'password', username: 't100\\jos\u00e9', password: 'pa\tss \u{1F600}', scope: ['a', 'b'] })).toBeUndefined();
  });

  it.each(['\u0000', 'a\u0000', '\u0001', '\n', '\r', '\u001b', '\u007f', '\ud800', 'x\udfff'])('refuses %j in a value, naming the parameter', (bad) => {
    expect(parameterProblem({ username: `a${bad}` })).toBe("'username' parameter contains a control character, NUL or an unpaired surrogate");
    expect(parameterProblem({ resource: ['ok', bad] })).toBe("'resource' parameter contains a control character, NUL or an unpaired surrogate");
  });

  it('does not echo a parameter name that is not a plain token', () => {
    expect(parameterProblem({ 'we<ird>': '\u0000' })).toBe('a parameter name contains a control character, NUL or an unpaired surrogate');
    expect(parameterProblem({ 'a\u0000': 'x' })).toBe('a parameter name contains a control character, NUL or an unpaired surrogate');
  });
});
