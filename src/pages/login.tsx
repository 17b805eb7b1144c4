import { Link, navigate, type HeadFC } from 'gatsby';
import { AccountForm, type AccountField } from '../components/account-form';
import { Layout } from '../components/layout';
import { Seo } from '../components/seo';
import { useStore } from '../context/store-context';

const FIELDS: readonly AccountField[] = [
  { name: 'email', label: 'Email', type: 'email', autoComplete: 'email' },
  { name: 'password', label: 'Password', type: 'password', autoComplete: 'current-password' },
];

export default function LoginPage() {
  const { logIn } = useStore();
  return (
    <Layout page="login">
      <h1>Log in</h1>
      <AccountForm
        name="Log in"
        fields={FIELDS}
        submitLabel="Log in"
        onSubmit={(v) => logIn(v.email ?? '', v.password ?? '')}
        onDone={() => void navigate('/account/')}
      >
        <p>
          New here? <Link to="/signup/">Create an account</Link>
        </p>
      </AccountForm>
    </Layout>
  );
}

export const Head: HeadFC = ({ location }) => <Seo pathname={location.pathname} title="Log in" />;
