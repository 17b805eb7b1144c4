import { useEffect, useRef, useState } from 'react';
import { Link } from 'gatsby';
import { MAX_LINE_QUANTITY, useStore, type CartLine } from '../context/store-context';
import { productPath } from '../data/product';
import { formatMoney } from './format-money';
import * as styles from './cart-line-item.module.css';

/**
 * One cart line. The quantity is committed on the input's native `change` event — fired by the spinner
 * arrows, Enter and leaving the field — rather than on every keystroke, so typing "12" sends one
 * add_to_cart for the difference instead of two events.
 */
export function CartLineItem({ line, index }: { line: CartLine; index: number }) {
  const { setQuantity, removeFromCart } = useStore();
  const [draft, setDraft] = useState(String(line.quantity));
  const inputRef = useRef<HTMLInputElement>(null);
  const nameId = `cart-line-${index}-name`;

  useEffect(() => setDraft(String(line.quantity)), [line.quantity]);

  useEffect(() => {
    const input = inputRef.current;
    if (!input) return undefined;
    const onChange = (): void => {
      const n = Number.parseInt(input.value, 10);
      if (Number.isFinite(n)) setQuantity(line.key, n);
      else setDraft(String(line.quantity));
    };
    input.addEventListener('change', onChange);
    return () => input.removeEventListener('change', onChange);
  }, [line.key, line.quantity, setQuantity]);

  return (
    <li className={styles.line} data-cart-line="" data-item-id={line.product.id} data-quantity={line.quantity}>
      <img className={styles.image} src={line.product.image} alt="" width={96} height={96} />
      <div className={styles.info}>
        <Link id={nameId} to={productPath(line.product)} className={styles.name}>
          {line.product.name}
        </Link>
        {line.variant && <span className={styles.variant}>{line.variant}</span>}
        <span className={styles.unit}>{formatMoney(line.product.price)} each</span>
      </div>
      <div className={styles.controls}>
        <label htmlFor={`cart-line-${index}-quantity`} className={styles.label}>
          Quantity
        </label>
        <input
          ref={inputRef}
          id={`cart-line-${index}-quantity`}
          className={styles.quantity}
          type="number"
          inputMode="numeric"
          min={0}
          max={Math.min(line.product.stock, MAX_LINE_QUANTITY)}
          value={draft}
          aria-describedby={nameId}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="button" className={styles.remove} aria-describedby={nameId} onClick={() => removeFromCart(line.key)}>
          Remove
        </button>
      </div>
      <span className={styles.lineTotal}>{formatMoney(line.product.price * line.quantity)}</span>
    </li>
  );
}
