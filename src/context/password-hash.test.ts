import { describe, expect, it } from 'vitest';
import { hashPassword, newSalt, sameHash } from './password-hash';

describe('password hashing', () => {
  it('derives the same hash for the same password and salt, and another for another password or salt', async () => {
    const salt = newSalt(globalThis.crypto);
    const h = await hashPassword(globalThis.crypto, 'correct horse', salt);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(h).not.toContain('correct');
    expect(sameHash(await hashPassword(globalThis.crypto, 'correct horse', salt), h)).toBe(true);
    expect(sameHash(await hashPassword(globalThis.crypto, 'correct horsf', salt), h)).toBe(false);
    expect(sameHash(await hashPassword(globalThis.crypto, 'correct horse', newSalt(globalThis.crypto)), h)).toBe(false);
  });
});
