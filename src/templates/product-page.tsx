import { useState } from 'react';
import type { FormEvent } from 'react';
import { Link, type HeadFC, type PageProps } from 'gatsby';
import { Breadcrumbs } from '../components/breadcrumbs';
import { formatMoney } from '../components/format-money';
import { Layout } from '../components/layout';
import { Rating } from '../components/rating';
import { Seo } from '../components/seo';
import { ViewOnce } from '../components/view-once';
import { MAX_LINE_QUANTITY, useStore } from '../context/store-context';
import { ProductList } from '../components/product-list';
import { categoryName, categoryPath, subcategoryName, variantLabel, type Product, type ProductSummary } from '../data/product';
import * as styles from './product-page.module.css';

export interface ProductPageContext {
  product: Product;
  /** A few products of the same category, chosen by gatsby-node. */
  related: ProductSummary[];
}

const RELATED_LIST = { item_list_id: 'related_products', item_list_name: 'You may also like' };

type Status = { kind: 'added'; text: string } | { kind: 'limit'; text: string } | null;

export default function ProductPage({ pageContext }: PageProps<object, ProductPageContext>) {
  const { product, related } = pageContext;
  const { addToCart, viewItem, addToWishlist, wishlist, hydrated } = useStore();
  const inWishlist = hydrated && wishlist.some((p) => p.id === product.id);
  const sizes = product.variants?.sizes ?? [];
  const colours = product.variants?.colours ?? [];
  const [size, setSize] = useState(sizes[0] ?? '');
  const [colour, setColour] = useState(colours[0] ?? '');
  // The raw text, so a shopper can clear the field and type; it is parsed and clamped on submit.
  const [quantity, setQuantity] = useState('1');
  const [status, setStatus] = useState<Status>(null);
  const maxQuantity = Math.min(product.stock, MAX_LINE_QUANTITY);


  function onSubmit(e: FormEvent<HTMLFormElement>): void {
    e.preventDefault();
    const wanted = Math.max(1, Math.min(Number.parseInt(quantity, 10) || 1, maxQuantity));
    const variant = variantLabel({ size: size || undefined, colour: colour || undefined });
    const added = addToCart(product, wanted, variant);
    setQuantity(String(wanted));
    setStatus(
      added > 0
        ? { kind: 'added', text: `Added ${added} × ${product.name}${variant ? ` (${variant})` : ''} to your cart.` }
        : { kind: 'limit', text: `You already have the most we can sell of this item in your cart.` },
    );
  }

  return (
    <Layout page="product">
      {/* Before the related list, so view_item precedes its view_item_list. */}
      <ViewOnce viewKey={product.id} fire={() => viewItem(product)} />
      <Breadcrumbs
        crumbs={[
          { label: 'Home', to: '/' },
          { label: categoryName(product.category), to: categoryPath(product.category) },
          { label: product.name },
        ]}
      />
      <article
        className={styles.product}
        data-item-id={product.id}
        data-item-price={product.price.toFixed(2)}
        data-item-category={product.category}
      >
        <img
          className={styles.image}
          src={product.image}
          alt={`${product.name}, ${subcategoryName(product.category, product.subcategory)}`}
          width={480}
          height={480}
        />
        <div className={styles.details}>
          <p className={styles.brand}>{product.brand}</p>
          <h1>{product.name}</h1>
          <Rating rating={product.rating} reviewCount={product.reviewCount} />
          <p className={styles.price}>{formatMoney(product.price)}</p>
          <p>{product.description}</p>
          <p className={styles.stock}>{product.stock < 10 ? `Only ${product.stock} left in stock` : 'In stock'}</p>

          <form className={styles.form} onSubmit={onSubmit} noValidate>
            {sizes.length > 0 && (
              <div className={styles.field}>
                <label htmlFor="product-size">Size</label>
                <select id="product-size" value={size} onChange={(e) => setSize(e.target.value)}>
                  {sizes.map((s) => (
                    <option key={s}>{s}</option>
                  ))}
                </select>
              </div>
            )}
            {colours.length > 0 && (
              <div className={styles.field}>
                <label htmlFor="product-colour">Colour</label>
                <select id="product-colour" value={colour} onChange={(e) => setColour(e.target.value)}>
                  {colours.map((c) => (
                    <option key={c}>{c}</option>
                  ))}
                </select>
              </div>
            )}
            <div className={styles.field}>
              <label htmlFor="product-quantity">Quantity</label>
              <input
                id="product-quantity"
                className={styles.quantity}
                type="number"
                inputMode="numeric"
                min={1}
                max={maxQuantity}
                step={1}
                value={quantity}
                onChange={(e) => setQuantity(e.target.value)}
              />
            </div>
            <button type="submit" className={styles.add}>
              Add to cart
            </button>
          </form>
          {inWishlist ? (
            <p className={styles.saved}>
              Saved to your <Link to="/wishlist/">wishlist</Link>.
            </p>
          ) : (
            <button type="button" className={styles.wish} onClick={() => addToWishlist(product)}>
              Add to wishlist
            </button>
          )}
          <p role="status" className={status?.kind === 'added' ? styles.added : styles.statusLine}>
            {status && (
              <>
                {status.text} <Link to="/cart/">View cart</Link>
              </>
            )}
          </p>
        </div>
      </article>
      {related.length > 0 && (
        <section aria-labelledby="related-title" className={styles.related}>
          <h2 id="related-title">{RELATED_LIST.item_list_name}</h2>
          <ProductList key={product.id} list={RELATED_LIST} products={related} />
        </section>
      )}
    </Layout>
  );
}

export const Head: HeadFC<object, ProductPageContext> = ({ location, pageContext }) => (
  <Seo pathname={location.pathname} title={pageContext.product.name} description={pageContext.product.description} />
);
