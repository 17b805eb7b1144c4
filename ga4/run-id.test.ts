import { describe, expect, it } from 'vitest';
import { checkRunId, runIdProblem, RUN_ID_MAX_LENGTH } from './run-id';

describe('run ids', () => {
  it('accepts the generated shape and plain labels', () => {
    for (const id of ['run-20261205T052228-ab12', 'suite', 'a.b_c-d', '0', 'x'.repeat(RUN_ID_MAX_LENGTH)]) expect(runIdProblem(id), id).toBeNull();
  });

  it('refuses paths, wildcards, empty, overlong and dot-first ids with a one-line reason', () => {
    const cases: [string, RegExp][] = [
      ['../../x%_', /may hold only letters, digits, '\.', '_' and '-'/],
      ['a/b', /may hold only/],
      ['a%', /may hold only/],
      ['a b', /may hold only/],
      ['a\nb', /may hold only/],
      ['', /must not be empty/],
      ['.', /must not start with a dot/],
      ['..', /must not start with a dot/],
      ['x'.repeat(RUN_ID_MAX_LENGTH + 1), /65 characters long; at most 64/],
    ];
    for (const [id, reason] of cases) {
      expect(() => checkRunId(id), JSON.stringify(id)).toThrow(reason);
      expect(runIdProblem(id)).not.toContain('\n');
    }
  });
});
