import type { HeadFC, PageProps } from 'gatsby';
import { Breadcrumbs } from '../components/breadcrumbs';
import { Layout } from '../components/layout';
import { ProductList } from '../components/product-list';
import { Seo } from '../components/seo';
import { categoryList, type Category, type ProductSummary } from '../data/product';

export interface CategoryPageContext {
  category: Category;
  products: ProductSummary[];
}

export default function CategoryPage({ pageContext }: PageProps<object, CategoryPageContext>) {
  const { category, products } = pageContext;
  return (
    <Layout page="category">
      <Breadcrumbs crumbs={[{ label: 'Home', to: '/' }, { label: category.name }]} />
      <h1>{category.name}</h1>
      <p>
        {products.length} products in {category.subcategories.map((s) => s.name).join(', ')}.
      </p>
      <ProductList list={categoryList(category.id)} products={products} />
    </Layout>
  );
}

export const Head: HeadFC<object, CategoryPageContext> = ({ location, pageContext }) => (
  <Seo pathname={location.pathname} title={pageContext.category.name} description={`Shop ${pageContext.category.name} at ShopLab.`} />
);
