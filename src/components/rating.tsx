import * as styles from './rating.module.css';

/**
 * One formatter for every rating: `Number.prototype.toLocaleString` sets up its formatter on each call, for two
 * counts on every product card of every list render (docs/runner.md has the cost).
 */
const COUNT = new Intl.NumberFormat('en-US');

export function Rating({ rating, reviewCount }: { rating: number; reviewCount: number }) {
  const count = COUNT.format(reviewCount);
  return (
    <span className={styles.rating}>
      <span aria-hidden="true">
        ★ {rating.toFixed(1)} <span className={styles.count}>({count})</span>
      </span>
      <span className="sr-only">
        Rated {rating.toFixed(1)} out of 5 from {count} reviews
      </span>
    </span>
  );
}
