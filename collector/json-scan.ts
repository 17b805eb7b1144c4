/**
 * A single pass over JSON text, before JSON.parse, that finds what JSON.parse hides or suffers from: objects
 * nested deeper than a bound (a stack-exhaustion vector) and keys repeated within one object (JSON.parse keeps
 * the last one silently; Google answers NAME_DUPLICATED). It does not validate the syntax: JSON.parse does that.
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

/** Returns the first problem found, or null. Linear in the text; never throws. */
export function scanJson(text: string, maxDepth: number): JsonScanProblem | null {
  const stack: Frame[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i + 1;
      for (i = start; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          i++;
        } else if (d === 0x22) break;
      }
      const top = stack[stack.length - 1];
      if (top?.isObject && expectKey) {
        // Escaped spellings of one key are compared as written: rare, and JSON.parse would still keep one value.
        const key = text.slice(start, i);
        top.keys ??= new Set();
        if (top.keys.has(key)) return { kind: 'duplicate', path: pathOf(stack, key) };
        top.keys.add(key);
        top.pendingKey = key;
        expectKey = false;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const parent = stack[stack.length - 1];
      const label = parent ? (parent.isObject ? parent.pendingKey : parent.nextIndex) : null;
      if (stack.length >= maxDepth) return { kind: 'depth', path: pathOf(stack) };
      stack.push({ isObject: c === 0x7b, keys: null, label, nextIndex: 0, pendingKey: null });
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.isObject) expectKey = true;
      else if (top) top.nextIndex++;
    }
  }
  return null;
}
