import { Link, type HeadFC } from 'gatsby';
import { Layout } from '../components/layout';
import { Seo } from '../components/seo';

export default function NotFoundPage() {
  return (
    <Layout page="not-found">
      <h1>Page not found</h1>
      <p>
        Sorry, there is nothing at this address. <Link to="/">Go to the home page</Link>
      </p>
    </Layout>
  );
}

export const Head: HeadFC = ({ location }) => <Seo pathname={location.pathname} title="Page not found" />;
