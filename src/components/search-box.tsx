import { useState } from 'react';
import type { FormEvent } from 'react';
import { navigate } from 'gatsby';
import * as styles from './search-box.module.css';

/** The header's search form: a `search` landmark with a box labelled "Search" and a button named "Search". */
export function SearchBox({ initial = '' }: { initial?: string }) {
  const [term, setTerm] = useState(initial);
  function onSubmit(e: FormEvent<HTMLFormElement>): void {
    e.preventDefault();
    const q = term.trim();
    if (q) void navigate(`/search/?q=${encodeURIComponent(q)}`);
  }
  return (
    <form role="search" aria-label="Products" className={styles.search} onSubmit={onSubmit}>
      <label htmlFor="site-search" className="sr-only">
        Search
      </label>
      <input id="site-search" type="search" name="q" value={term} placeholder="Search products" onChange={(e) => setTerm(e.target.value)} />
      <button type="submit">Search</button>
    </form>
  );
}
