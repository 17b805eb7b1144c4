import { describe, expect, it } from 'vitest';
import { batchWriter } from './batch-writer';

describe('batchWriter', () => {
  it('writes items together, up to maxItems a batch, one write at a time, and resolves each add after its write', async () => {
    const writes: number[][] = [];
    let active = 0;
    let overlapped = false;
    const w = batchWriter<number>(async (items) => {
      active += 1;
      overlapped ||= active > 1;
      await new Promise((r) => setTimeout(r, 5));
      writes.push(items);
      active -= 1;
    }, 3, 50);
    const adds = [1, 2, 3, 4, 5].map((n) => w.add(n).then(() => writes.flat().includes(n)));
    expect(await Promise.all(adds)).toEqual([true, true, true, true, true]);
    expect(writes).toEqual([[1, 2, 3], [4, 5]]);
    expect(overlapped).toBe(false);
  });

  it('rejects the adds of a failed batch and keeps writing later ones', async () => {
    let calls = 0;
    const w = batchWriter<string>(async () => {
      calls += 1;
      if (calls === 1) throw new Error('disk full');
    }, 2, 10);
    const first = [w.add('a'), w.add('b')];
    await expect(first[0]).rejects.toThrow('disk full');
    await expect(first[1]).rejects.toThrow('disk full');
    await expect(w.add('c')).resolves.toBeUndefined();
  });
});
