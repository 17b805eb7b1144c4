import * as styles from './rating.module.css';

export function Rating({ rating, reviewCount }: { rating: number; reviewCount: number }) {
  return (
    <span className={styles.rating}>
      <span aria-hidden="true">
        ★ {rating.toFixed(1)} <span className={styles.count}>({reviewCount.toLocaleString('en-US')})</span>
      </span>
      <span className="sr-only">
        Rated {rating.toFixed(1)} out of 5 from {reviewCount.toLocaleString('en-US')} reviews
      </span>
    </span>
  );
}
