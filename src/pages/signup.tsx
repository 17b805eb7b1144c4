import { Link, navigate, type HeadFC } from 'gatsby';
import { AccountForm, type AccountField } from '../components/account-form';
import { Layout } from '../components/layout';
import { Seo } from '../components/seo';
import { useStore } from '../context/store-context';

const FIELDS: readonly AccountField[] = [
  { name: 'name', label: 'Name', type: 'text', autoComplete: 'name' },
  { name: 'email', label: 'Email', type: 'email', autoComplete: 'email' },
  { name: 'password', label: 'Password', type: 'password', autoComplete: 'new-password' },
];

export default function SignUpPage() {
  const { signUp } = useStore();
  return (
    <Layout page="signup">
      <h1>Create an account</h1>
      <p>Accounts live in this browser only: the password is hashed on your device and never sent anywhere.</p>
      <AccountForm
        name="Sign up"
        fields={FIELDS}
        submitLabel="Create account"
        onSubmit={(v) => signUp(v.name ?? '', v.email ?? '', v.password ?? '')}
        onDone={() => void navigate('/account/')}
      >
        <p>
          Already have an account? <Link to="/login/">Log in</Link>
        </p>
      </AccountForm>
    </Layout>
  );
}

export const Head: HeadFC = ({ location }) => <Seo pathname={location.pathname} title="Sign up" />;
