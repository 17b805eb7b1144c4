import { useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import type { AccountResult } from '../context/store-context';
import * as styles from './account-form.module.css';

export interface AccountField {
  name: string;
  label: string;
  type: 'text' | 'email' | 'password';
  autoComplete: string;
}

export interface AccountFormProps {
  /** The form's accessible name, e.g. "Log in". */
  name: string;
  fields: readonly AccountField[];
  submitLabel: string;
  /** Receives the field values by name; the password never leaves this call except to be hashed. */
  onSubmit: (values: Record<string, string>) => Promise<AccountResult>;
  onDone: () => void;
  children?: ReactNode;
}

/** Sign-up and log-in forms: labelled fields, one error line announced as an alert, busy while hashing. */
export function AccountForm({ name, fields, submitLabel, onSubmit, onDone, children }: AccountFormProps) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  function submit(e: FormEvent<HTMLFormElement>): void {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const values = Object.fromEntries(fields.map((f) => [f.name, textOf(data.get(f.name))]));
    setBusy(true);
    setError('');
    onSubmit(values).then(
      (r) => {
        setBusy(false);
        if (r.ok) onDone();
        else setError(r.error);
      },
      (err: unknown) => {
        setBusy(false);
        console.error('[shoplab] account form failed:', err instanceof Error ? err.message : 'unknown error');
        setError('Something went wrong. Please try again.');
      },
    );
  }

  return (
    <form className={styles.form} aria-label={name} onSubmit={submit}>
      {fields.map((f) => (
        <div className={styles.field} key={f.name}>
          <label htmlFor={`account-${f.name}`}>{f.label}</label>
          <input id={`account-${f.name}`} name={f.name} type={f.type} autoComplete={f.autoComplete} required />
        </div>
      ))}
      <p role="alert" className={styles.error}>
        {error}
      </p>
      <button type="submit" className={styles.submit} disabled={busy}>
        {submitLabel}
      </button>
      {children}
    </form>
  );
}

function textOf(v: FormDataEntryValue | null): string {
  return typeof v === 'string' ? v : '';
}
