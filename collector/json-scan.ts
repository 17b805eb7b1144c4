/**
 * A single pass over JSON text, before JSON.parse, that finds what JSON.parse hides or suffers from: objects
 * nested deeper than a bound (a stack-exhaustion vector) and keys repeated within one object (JSON.parse keeps
 * the last one silently; Google answers NAME_DUPLICATED). It does not validate the syntax: JSON.parse does that.
 * On the way it notes whether any string could hold a UTF-16 surrogate, so that the usual body, which cannot, is
 * not searched for lone ones value by value after parsing.
 */

export interface JsonScanProblem {
  kind: 'depth' | 'duplicate';
  /** Path of the object or key, e.g. `events[0].params.value`. */
  path: string;
}

interface Frame {
  isObject: boolean;
  keys: Set<string> | null;
  /** The key or array index of this container within its parent, for paths. */
  label: string | number | null;
  nextIndex: number;
  pendingKey: string | null;
}

function pathOf(stack: readonly Frame[], last?: string): string {
  let out = '';
  for (const frame of stack) {
    const label = frame.label;
    if (label === null) continue;
    out += typeof label === 'number' ? `[${label}]` : out === '' ? label : `.${label}`;
  }
  if (last !== undefined) out += out === '' ? last : `.${last}`;
  return out;
}

export interface JsonScan {
  /** The first problem found, or null. */
  problem: JsonScanProblem | null;
  /**
   * False when the text holds no surrogate, neither as a character nor as a `\uD800`–`\uDFFF` escape: then no
   * string that JSON.parse makes of it holds one, paired or lone. True says only "may": look at the values.
   */
  surrogates: boolean;
}

/** Linear in the text; never throws. */
export function scanJson(text: string, maxDepth: number): JsonScan {
  const stack: Frame[] = [];
  let expectKey = false;
  let surrogates = false;
  const found = (problem: JsonScanProblem): JsonScan => ({ problem, surrogates });
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i + 1;
      for (i = start; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          i++;
          // \uD800 … \uDFFF: a `u`, then `d` and one of 8, 9, a–f (either case; `| 0x20` lowercases a letter).
          if (text.charCodeAt(i) === 0x75 && (text.charCodeAt(i + 1) | 0x20) === 0x64) {
            const e = text.charCodeAt(i + 2) | 0x20;
            if (e === 0x38 || e === 0x39 || (e >= 0x61 && e <= 0x66)) surrogates = true;
          }
        } else if (d === 0x22) {
          break;
        } else if (d >= 0xd800 && d <= 0xdfff) {
          surrogates = true;
        }
      }
      const top = stack[stack.length - 1];
      if (top?.isObject && expectKey) {
        // Escaped spellings of one key are compared as written: rare, and JSON.parse would still keep one value.
        const key = text.slice(start, i);
        top.keys ??= new Set();
        if (top.keys.has(key)) return found({ kind: 'duplicate', path: pathOf(stack, key) });
        top.keys.add(key);
        top.pendingKey = key;
        expectKey = false;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const parent = stack[stack.length - 1];
      const label = parent ? (parent.isObject ? parent.pendingKey : parent.nextIndex) : null;
      if (stack.length >= maxDepth) return found({ kind: 'depth', path: pathOf(stack) });
      stack.push({ isObject: c === 0x7b, keys: null, label, nextIndex: 0, pendingKey: null });
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.isObject) expectKey = true;
      else if (top) top.nextIndex++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // Outside a string JSON.parse refuses it anyway; noted all the same.
      surrogates = true;
    }
  }
  return { problem: null, surrogates };
}
