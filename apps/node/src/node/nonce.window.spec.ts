import { describe, expect, it } from 'vitest';
import { NonceWindow } from './nonce.window';

describe('NonceWindow', () => {
  it('refuses a nonce seen within the window and forgets it after', () => {
    const window = new NonceWindow(1_000);
    expect(window.claim('a', 0)).toBe('fresh');
    expect(window.claim('a', 999)).toBe('replayed');
    expect(window.claim('b', 999)).toBe('fresh');
    expect(window.claim('a', 1_000)).toBe('fresh');
  });

  it('is bounded: a flood fills it and is refused until nonces expire', () => {
    const window = new NonceWindow(1_000, 2);
    expect([window.claim('a', 0), window.claim('b', 0), window.claim('c', 0)]).toEqual(['fresh', 'fresh', 'full']);
    expect(window.claim('c', 1_000)).toBe('fresh');
  });
});
